"""Device triage scans: one row per scan, one per file seen, one per hash-set match."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from safeguard.store.models.base import Base, BigId, JsonDoc, UtcDateTime, utcnow

__all__ = ["Scan", "ScanFile", "ScanMatch"]


class Scan(Base):
    """One triage scan of one device (a directory or a disk image).

    ``status`` is ``running`` until every file is stored, then ``complete``; a ``running``
    scan left by a crash is continued with ``safeguard scan --resume``.
    """

    __tablename__ = "scan"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operation_id: Mapped[int | None] = mapped_column(
        ForeignKey("operation.id"), index=True, nullable=True
    )
    subject_id: Mapped[int | None] = mapped_column(
        ForeignKey("subject.id"), index=True, nullable=True
    )
    device_label: Mapped[str] = mapped_column(String(200), index=True)
    source: Mapped[str] = mapped_column(Text)
    source_kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="running")
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    started_by: Mapped[str] = mapped_column(String(200), default="")
    options: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    counts: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)


class ScanFile(Base):
    """One file seen on a device (or inside an archive on it), with its hashes or the reason
    it could not be read. ``key`` is stable across runs of the same scan (resume)."""

    __tablename__ = "scan_file"
    __table_args__ = (Index("ix_scan_file_scan_key", "scan_id", "key", unique=True),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("scan.id"))
    key: Mapped[str] = mapped_column(Text)
    path: Mapped[str] = mapped_column(Text)
    raw_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    container: Mapped[str | None] = mapped_column(Text, nullable=True)
    size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    mtime: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    atime: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    ctime: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    crtime: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    deleted: Mapped[bool] = mapped_column(default=False)
    md5: Mapped[str | None] = mapped_column(String(32), nullable=True)
    sha1: Mapped[str | None] = mapped_column(String(40), nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    media: Mapped[str] = mapped_column(String(10), default="other")
    mime: Mapped[str] = mapped_column(String(100), default="")
    pdq: Mapped[str | None] = mapped_column(String(64), nullable=True)
    pdq_quality: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    vpdq: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="ok")
    reason: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str | None] = mapped_column(String(20), nullable=True)


class ScanMatch(Base):
    """A file of a scan that matches a hash-set entry (exact, PDQ or video PDQ)."""

    __tablename__ = "scan_match"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("scan.id"), index=True)
    scan_file_id: Mapped[int] = mapped_column(ForeignKey("scan_file.id"), index=True)
    hash_entry_id: Mapped[int] = mapped_column(ForeignKey("hash_entry.id"))
    set_name: Mapped[str] = mapped_column(String(200))
    set_version: Mapped[int] = mapped_column()
    method: Mapped[str] = mapped_column(String(10))
    distance: Mapped[int] = mapped_column(SmallInteger, default=0)
    match_percent: Mapped[float | None] = mapped_column(Float, nullable=True)
    category: Mapped[str] = mapped_column(String(20))
