"""Operations, deliveries, their files and quarantined rows; stage runs and warnings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from safeguard.store.models.base import Base, BigId, JsonDoc, UtcDateTime, utcnow

__all__ = ["Delivery", "DeliveryFile", "Operation", "QuarantinedRow", "StageRun", "StageWarning"]


class Operation(Base):
    __tablename__ = "operation"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), default="")


class Delivery(Base):
    """One partner handover. Immutable once ingested; ``checksum`` makes re-ingest a no-op."""

    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("operation_id", "checksum"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    format: Mapped[str] = mapped_column(String(80))
    checksum: Mapped[str] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(200), default="")
    source_agency: Mapped[str] = mapped_column(String(200), default="")
    produced_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    ingested_by: Mapped[str] = mapped_column(String(200), default="")
    grading_source: Mapped[str] = mapped_column(String(1), default="")
    grading_intelligence: Mapped[str] = mapped_column(String(1), default="")
    grading_handling: Mapped[str] = mapped_column(String(1), default="")
    grading_conditions: Mapped[str] = mapped_column(Text, default="")
    manifest: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    report: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)


class DeliveryFile(Base):
    __tablename__ = "delivery_file"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id"), index=True)
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigId)
    evidence_path: Mapped[str] = mapped_column(Text, default="")


class QuarantinedRow(Base):
    """A row refused by validation: where it was, why, and the row itself."""

    __tablename__ = "quarantined_row"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id"), index=True)
    file: Mapped[str] = mapped_column(Text)
    line: Mapped[int] = mapped_column(BigId)
    column: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(String(80), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[str] = mapped_column(Text, default="")


class StageRun(Base):
    """One execution of one stage: what ran, with which configuration, and what it did."""

    __tablename__ = "stage_run"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operation_id: Mapped[int | None] = mapped_column(
        ForeignKey("operation.id"), index=True, nullable=True
    )
    stage: Mapped[str] = mapped_column(String(40))
    code_version: Mapped[str] = mapped_column(String(80))
    config_hash: Mapped[str] = mapped_column(String(64))
    config: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    seconds: Mapped[float | None] = mapped_column(nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="running")
    counts: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    timings: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")


class StageWarning(Base):
    """A warning worth an analyst's eye (low PDQ quality, unattributable account...)."""

    __tablename__ = "stage_warning"
    __table_args__ = (Index("ix_stage_warning_run_kind", "run_id", "kind"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("stage_run.id"))
    kind: Mapped[str] = mapped_column(String(80))
    message: Mapped[str] = mapped_column(Text)
    ref: Mapped[str] = mapped_column(String(200), default="")
