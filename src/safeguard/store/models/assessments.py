"""What assess keeps beyond the current assessment: its versions, analysts' overrides, the
police-checks returns files loaded and how their rows met subjects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from safeguard.store.models.base import Base, BigId, JsonDoc, UtcDateTime, utcnow

__all__ = ["AssessmentOverride", "AssessmentRun", "CheckMatch", "ChecksLoad", "ChecksQuarantine"]


class AssessmentRun(Base):
    """One assessment of an operation, kept as a version (``safeguard assess diff``).

    ``snapshot``: label → ``[tier, override tier or null, score, {reason code: points}]``;
    ``inputs``: what the run saw (deliveries, checks loads, analysts' actions, ruleset).
    """

    __tablename__ = "assessment_run"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    stage_run_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    ruleset_name: Mapped[str] = mapped_column(String(80))
    ruleset_version: Mapped[str] = mapped_column(String(40))
    ruleset_hash: Mapped[str] = mapped_column(String(64))
    inputs: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)


class AssessmentOverride(Base):
    """An analyst's tier for a subject, with why; kept across re-assessments and re-runs.

    It follows the subject's label (stable across resolve re-runs); ``reason_codes`` are the
    reasons the subject had when the override was made, to tell when the facts changed.
    """

    __tablename__ = "assessment_override"
    __table_args__ = (Index("ix_assessment_override_op_label", "operation_id", "subject_label"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"))
    subject_label: Mapped[str] = mapped_column(String(40))
    platform_account_ids: Mapped[list[Any]] = mapped_column(JsonDoc, default=list)
    tier: Mapped[str] = mapped_column(String(2))
    computed_tier: Mapped[str] = mapped_column(String(2))
    previous_tier: Mapped[str] = mapped_column(String(2))
    justification: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    reason_codes: Mapped[list[Any]] = mapped_column(JsonDoc, default=list)
    audit_event_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    cleared_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    cleared_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    clear_justification: Mapped[str | None] = mapped_column(Text, nullable=True)


class ChecksLoad(Base):
    """One police-checks returns file loaded into an operation."""

    __tablename__ = "checks_load"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    file: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    loaded_by: Mapped[str] = mapped_column(String(200))
    rows: Mapped[int] = mapped_column(default=0)
    quarantined: Mapped[int] = mapped_column(default=0)


class ChecksQuarantine(Base):
    """A returns row refused by validation: where it was, why, and the row itself."""

    __tablename__ = "checks_quarantine"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    load_id: Mapped[int] = mapped_column(ForeignKey("checks_load.id"), index=True)
    file: Mapped[str] = mapped_column(Text)
    line: Mapped[int] = mapped_column(BigId)
    column: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(String(80))
    detail: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[str] = mapped_column(Text, default="")


class CheckMatch(Base):
    """How a checks row met a subject (``matched``) or might have (``possible``: verify)."""

    __tablename__ = "check_match"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    # No foreign keys: written by assess from the current checks rows and subjects, and
    # replaced by every assessment (re-loading returns or re-resolving leaves it stale only
    # until then).
    check_id: Mapped[int] = mapped_column(BigId, index=True)
    subject_id: Mapped[int] = mapped_column(BigId, index=True)
    status: Mapped[str] = mapped_column(String(10))
    score: Mapped[float] = mapped_column(Float)
    fields: Mapped[list[Any]] = mapped_column(JsonDoc, default=list)
