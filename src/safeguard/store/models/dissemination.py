"""Intelligence packages, their dissemination, outcomes, and the hash-chained audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from safeguard.store.models.base import Base, BigId, JsonDoc, UtcDateTime, utcnow

__all__ = [
    "AuditEvent",
    "IntelPackage",
    "Outcome",
    "OutcomeImport",
    "OutcomeQuarantine",
    "PackageBatch",
    "RecipientKey",
]


class PackageBatch(Base):
    """Packages sent together to one recipient: one outbox directory with a signed manifest.

    A package is in at most one batch (``intel_package.batch_id``); a batch is written once.
    """

    __tablename__ = "package_batch"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    reference: Mapped[str] = mapped_column(String(120), unique=True)
    recipient_id: Mapped[str] = mapped_column(String(80), index=True)
    sequence: Mapped[int] = mapped_column(default=1)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    path: Mapped[str] = mapped_column(Text, default="")
    manifest_sha256: Mapped[str] = mapped_column(String(64), default="")
    packages: Mapped[int] = mapped_column(default=0)


class IntelPackage(Base):
    """One version of an intelligence package about one subject for one recipient.

    A package leaves ``draft`` when approved and is never rewritten after that: when the
    facts under it change, a new version is drafted with ``supersedes_id`` pointing at it.
    Lifecycle times and people are kept on the row; every step is also in the audit log.
    """

    __tablename__ = "intel_package"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    force_id: Mapped[str] = mapped_column(String(60), index=True)
    reference: Mapped[str] = mapped_column(String(80), unique=True)
    version: Mapped[int] = mapped_column(default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("intel_package.id"), nullable=True)
    recipient_kind: Mapped[str] = mapped_column(String(10), default="force")
    recipient_id: Mapped[str] = mapped_column(String(80), default="")
    suggested_recipient: Mapped[str] = mapped_column(String(100), default="")
    recipient_chosen_by: Mapped[str] = mapped_column(String(200), default="")
    classification: Mapped[str] = mapped_column(String(40), default="OFFICIAL-SENSITIVE")
    grading: Mapped[str] = mapped_column(String(20))
    tier: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    path: Mapped[str] = mapped_column(Text, default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    facts_sha256: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    drafted_by: Mapped[str] = mapped_column(String(200), default="")
    approved_by: Mapped[str] = mapped_column(String(200), default="")
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    sent_by: Mapped[str] = mapped_column(String(200), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    sent_path: Mapped[str] = mapped_column(Text, default="")
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("package_batch.id"), nullable=True, index=True
    )
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    acknowledged_by: Mapped[str] = mapped_column(String(200), default="")
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    actioned_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    content: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)


class RecipientKey(Base):
    """The age public key packages for one recipient (force, ROCU, agency team) are sealed to."""

    __tablename__ = "recipient_key"
    recipient_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    age_public_key: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Outcome(Base):
    """What a force did: arrest, search, devices examined, charge, conviction, safeguarding."""

    __tablename__ = "outcome"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    package_id: Mapped[int | None] = mapped_column(ForeignKey("intel_package.id"), nullable=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(40))
    count: Mapped[int] = mapped_column(default=1)
    occurred_on: Mapped[str] = mapped_column(String(10))
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    detail: Mapped[str] = mapped_column(Text, default="")
    offences: Mapped[str] = mapped_column(Text, default="")
    sentence: Mapped[str] = mapped_column(Text, default="")
    serious_risk: Mapped[int] = mapped_column(default=0)
    #: Where it came from: "cli", "web", or "csv:<file sha256>:<line>" (re-import is a no-op).
    source: Mapped[str] = mapped_column(String(120), default="cli", index=True)


class OutcomeImport(Base):
    """One force CSV of outcomes: imported whole, or refused whole with its quarantined rows."""

    __tablename__ = "outcome_import"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    file: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(10))
    rows: Mapped[int] = mapped_column(default=0)
    imported_by: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class OutcomeQuarantine(Base):
    """A refused outcome CSV row: where it was (file, line, column), why, and the row."""

    __tablename__ = "outcome_quarantine"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("outcome_import.id"), index=True)
    line: Mapped[int] = mapped_column(BigId)
    column: Mapped[str] = mapped_column(String(60), default="")
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text, default="")


class AuditEvent(Base):
    """Append-only; ``hash`` = SHA-256 over the previous hash and this event's content."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(80))
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
