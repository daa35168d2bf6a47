"""What the analysis stages conclude: attributions, subjects and links, network, assessments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from safeguard.store.models.base import Base, BigId, JsonDoc, UtcDateTime, utcnow

__all__ = [
    "Assessment",
    "Attribution",
    "CheckFinding",
    "LinkEvidence",
    "RegisterEntry",
    "Subject",
    "SubjectAccount",
    "SubjectAction",
    "SubjectNetwork",
]


class Attribution(Base):
    """Where an account (``subject_id`` null) or a subject (``account_id`` null) is."""

    __tablename__ = "attribution"
    __table_args__ = (
        Index("ix_attribution_op_account", "operation_id", "account_id"),
        Index("ix_attribution_op_subject", "operation_id", "subject_id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), nullable=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id"), nullable=True)
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    region: Mapped[str | None] = mapped_column(Text, nullable=True)
    force_id: Mapped[str | None] = mapped_column(String(60), nullable=True, index=True)
    pfa_code: Mapped[str | None] = mapped_column(String(9), nullable=True)
    rocu: Mapped[str | None] = mapped_column(String(80), nullable=True)
    confidence: Mapped[str] = mapped_column(String(10))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    alternatives: Mapped[list[Any]] = mapped_column(JsonDoc, default=list)
    evidence: Mapped[list[Any]] = mapped_column(JsonDoc, default=list)


class Subject(Base):
    """A person, as far as the evidence links accounts together."""

    __tablename__ = "subject"
    #: The subject page and API find a subject by its label within an operation.
    __table_args__ = (Index("ix_subject_op_label", "operation_id", "label"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    label: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SubjectAccount(Base):
    __tablename__ = "subject_account"
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)


class LinkEvidence(Base):
    """Why two accounts are (or were considered to be) the same person."""

    __tablename__ = "link_evidence"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    account_a: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    account_b: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    linker: Mapped[str] = mapped_column(String(60))
    strength: Mapped[str] = mapped_column(String(10))
    score: Mapped[float] = mapped_column(Float)
    accepted: Mapped[bool] = mapped_column(default=True)
    evidence: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)


class SubjectAction(Base):
    """An analyst's split or merge of subjects: recorded, reversible, audited."""

    __tablename__ = "subject_action"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    account_ids: Mapped[list[Any]] = mapped_column(JsonDoc, default=list)
    justification: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    reverted_by: Mapped[int | None] = mapped_column(BigId, nullable=True)


class SubjectNetwork(Base):
    """A subject's place in the sharing network, written by the resolve stage."""

    __tablename__ = "subject_network"
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    degree: Mapped[int] = mapped_column(default=0)
    counterparts: Mapped[int] = mapped_column(default=0)
    sent: Mapped[int] = mapped_column(default=0)
    received: Mapped[int] = mapped_column(default=0)
    community: Mapped[int | None] = mapped_column(nullable=True)
    roles: Mapped[list[Any]] = mapped_column(JsonDoc, default=list)


class CheckFinding(Base):
    """A police-checks return (PNC, PND, ViSOR, DBS...) keyed by the identifier checked."""

    __tablename__ = "check_finding"
    __table_args__ = (Index("ix_check_finding_kind_norm", "kind", "norm"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(Text)
    norm: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(40))
    finding: Mapped[str] = mapped_column(String(60))
    detail: Mapped[str] = mapped_column(Text, default="")
    date: Mapped[str | None] = mapped_column(String(10), nullable=True)
    force_id: Mapped[str | None] = mapped_column(String(60), nullable=True)
    load_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    line: Mapped[int | None] = mapped_column(BigId, nullable=True)
    #: Extra columns of the returns row (e.g. ``name`` beside a ``postcode`` key).
    attributes: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)


class RegisterEntry(Base):
    """A known-subject register row used for deconfliction."""

    __tablename__ = "register_entry"
    __table_args__ = (Index("ix_register_entry_kind_norm", "kind", "norm"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    force_id: Mapped[str] = mapped_column(String(60))
    reference: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(Text)
    norm: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))
    contact: Mapped[str] = mapped_column(Text, default="")


#: What PostgreSQL's queue indexes also carry so a page's walk is an index-only scan (its
#: planner wants the columns under the tier expression too; migration 0006).
_INDEX_ONLY = ["id", "override_tier", "tier"]


class Assessment(Base):
    __tablename__ = "assessment"
    #: The triage queue reads an operation's assessments in priority order (tier in force,
    #: score descending, label): a page is a walk along this index (created by migration 0003,
    #: Alembic's autogenerate skips expression indexes), not a sort of the whole operation;
    #: so is a page sorted by score or by label.
    __table_args__ = (
        Index(
            "ix_assessment_queue_in_force",
            "operation_id",
            text("coalesce(override_tier, tier)"),
            text("score DESC"),
            "subject_label",
            "subject_id",
            postgresql_include=_INDEX_ONLY,
        ),
        Index("ix_assessment_queue_score", "operation_id", text("score DESC"), "subject_label"),
        Index("ix_assessment_queue_label", "operation_id", "subject_label"),
        # Created by migration 0004 (expression and partial indexes): a force's queue is a
        # walk along its own entries, as is the queue of overridden subjects.
        Index(
            "ix_assessment_queue_force",
            "queue_force_id",
            "operation_id",
            text("coalesce(override_tier, tier)"),
            text("score DESC"),
            "subject_label",
            "subject_id",
            postgresql_include=_INDEX_ONLY,
        ),
        Index(
            "ix_assessment_queue_overridden",
            "operation_id",
            text("coalesce(override_tier, tier)"),
            text("score DESC"),
            "subject_label",
            sqlite_where=text("override_tier IS NOT NULL"),
            postgresql_where=text("override_tier IS NOT NULL"),
        ),
        # Created by migration 0007 (partial): the deconflicted subjects' own walk.
        Index(
            "ix_assessment_queue_deconflicted",
            "operation_id",
            text("coalesce(override_tier, tier)"),
            text("score DESC"),
            "subject_label",
            sqlite_where=text("deconfliction != '[]'"),
            postgresql_where=text("deconfliction != '[]'"),
        ),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    tier: Mapped[str] = mapped_column(String(2))
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[Any]] = mapped_column(JsonDoc, default=list)
    #: ``name/version`` of the ruleset (e.g. ``kirat-lite/1``); name and hash beside it.
    ruleset_version: Mapped[str] = mapped_column(String(40))
    ruleset_name: Mapped[str] = mapped_column(String(80), default="", server_default="")
    ruleset_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    run_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    deconfliction: Mapped[list[Any]] = mapped_column(JsonDoc, default=list)
    override_tier: Mapped[str | None] = mapped_column(String(2), nullable=True)

    @property
    def tier_in_force(self) -> str:
        """The analyst's override when there is one, else the computed tier."""
        return self.override_tier or self.tier

    override_justification: Mapped[str | None] = mapped_column(Text, nullable=True)
    override_author: Mapped[str | None] = mapped_column(String(200), nullable=True)
    override_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    #: The reasons differ from those the override was made on: an analyst should look again.
    facts_changed: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    #: What the triage queue shows and filters on, written with the assessment so a page reads
    #: no reasons document: the subject's label (a subject row's label never changes), its
    #: number of accounts, its reasons' flags as `` flag flag `` (space around each) and the
    #: texts of its three weightiest reasons.
    subject_label: Mapped[str] = mapped_column(String(40), default="", server_default="")
    accounts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    flags: Mapped[str] = mapped_column(Text, default="", server_default="")
    top_reasons: Mapped[list[Any]] = mapped_column(JsonDoc, default=list)
    #: Copies of the subject's attribution the queue filters on, so a filter by force, ROCU
    #: or confidence needs no join: force, ROCU in lower case, confidence (None: none). The
    #: attribute and assess stages keep them current (``assess.queue.copy_attribution``);
    #: the queue shows the attribution itself.
    queue_force_id: Mapped[str | None] = mapped_column(String(60), nullable=True)
    queue_rocu: Mapped[str | None] = mapped_column(String(80), nullable=True)
    queue_confidence: Mapped[str | None] = mapped_column(String(10), nullable=True)
    #: A copy of the subject's network roles as JSON text (None: not in the network), which
    #: the queue's role filter reads along its walk; the network's rebuild and the assess
    #: stage keep it current (``assess.queue.copy_roles``; migration 0007).
    queue_roles: Mapped[str | None] = mapped_column(Text, nullable=True)
