"""Known-material hash sets (versioned), their entries, and matches of file events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from safeguard.store.models.base import Base, BigId, JsonDoc, UtcDateTime, utcnow

__all__ = ["AccountMaterial", "FileMatch", "HashEntry", "HashSet", "HashSetVersion"]


class HashSet(Base):
    """A named source of hashes (e.g. one agency's VICS export); versions add and retire."""

    __tablename__ = "hash_set"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    source: Mapped[str] = mapped_column(Text, default="")
    category_scheme: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class HashSetVersion(Base):
    __tablename__ = "hash_set_version"
    __table_args__ = (UniqueConstraint("hash_set_id", "version"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    hash_set_id: Mapped[int] = mapped_column(ForeignKey("hash_set.id"), index=True)
    version: Mapped[int] = mapped_column()
    format: Mapped[str] = mapped_column(String(40))
    source_checksum: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(200), default="")
    counts: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)


class HashEntry(Base):
    """One known file. ``retired_version`` is set when a later import no longer lists it."""

    __tablename__ = "hash_entry"
    __table_args__ = (
        Index("ix_hash_entry_md5", "md5"),
        Index("ix_hash_entry_sha1", "sha1"),
        Index("ix_hash_entry_sha256", "sha256"),
        Index("ix_hash_entry_sha512", "sha512"),
        Index("ix_hash_entry_set_active", "hash_set_id", "retired_version"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    hash_set_id: Mapped[int] = mapped_column(ForeignKey("hash_set.id"))
    md5: Mapped[str | None] = mapped_column(String(32), nullable=True)
    sha1: Mapped[str | None] = mapped_column(String(40), nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sha512: Mapped[str | None] = mapped_column(String(128), nullable=True)
    pdq: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: vPDQ video hash: JSON list of "pdq_hex,quality,timestamp" frames (ThreatExchange's).
    vpdq: Mapped[str | None] = mapped_column(Text, nullable=True)
    category: Mapped[str] = mapped_column(String(20))
    source_category: Mapped[str | None] = mapped_column(String(40), nullable=True)
    victim_identified: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    series: Mapped[str | None] = mapped_column(Text, nullable=True)
    distributed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    added_version: Mapped[int] = mapped_column(default=1)
    retired_version: Mapped[int | None] = mapped_column(nullable=True)


class FileMatch(Base):
    __tablename__ = "file_match"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    file_event_id: Mapped[int] = mapped_column(ForeignKey("file_event.id"), index=True)
    hash_entry_id: Mapped[int] = mapped_column(ForeignKey("hash_entry.id"))
    method: Mapped[str] = mapped_column(String(10))
    distance: Mapped[int] = mapped_column(SmallInteger, default=0)
    category: Mapped[str] = mapped_column(String(20))


class AccountMaterial(Base):
    """Per-account summary of traded material, written by the match stage."""

    __tablename__ = "account_material"
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    files_a: Mapped[int] = mapped_column(default=0)
    files_b: Mapped[int] = mapped_column(default=0)
    files_c: Mapped[int] = mapped_column(default=0)
    events_a: Mapped[int] = mapped_column(default=0)
    events_b: Mapped[int] = mapped_column(default=0)
    events_c: Mapped[int] = mapped_column(default=0)
    files_known: Mapped[int] = mapped_column(default=0)
    files_unknown: Mapped[int] = mapped_column(default=0)
    files_non_pertinent: Mapped[int] = mapped_column(default=0)
    uploads: Mapped[int] = mapped_column(default=0)
    downloads: Mapped[int] = mapped_column(default=0)
    shares: Mapped[int] = mapped_column(default=0)
    first_uploads_unknown: Mapped[int] = mapped_column(default=0)
    first_seen: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_seen: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
