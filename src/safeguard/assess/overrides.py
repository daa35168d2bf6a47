"""Analysts' overrides of a subject's tier: justified, audited, lasting.

An override names the subject by label (labels are stable across resolve re-runs and
analysts' splits and merges) and is applied again by every assessment. It records the
reasons the subject had when it was made; when a later assessment gives other reasons, the
subject is flagged ``facts_changed`` for review. The override is never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from safeguard.assess.ruleset import Ruleset
from safeguard.errors import ActionRefused, NotFoundError
from safeguard.records import Tier
from safeguard.store import audit
from safeguard.store.db import Store
from safeguard.store.models import (
    Account,
    Assessment,
    AssessmentOverride,
    Subject,
    SubjectAccount,
)
from safeguard.store.models.base import utcnow

__all__ = ["ActiveOverride", "OverrideResult", "active_overrides", "clear", "history", "override"]


@dataclass(frozen=True)
class ActiveOverride:
    id: int
    tier: str
    justification: str
    author: str
    reason_codes: frozenset[str]


@dataclass(frozen=True)
class OverrideResult:
    override_id: int | None
    audit_event_id: int
    label: str
    computed_tier: str
    old_tier: str
    new_tier: str


def active_overrides(conn: Connection, op_id: int) -> dict[str, ActiveOverride]:
    """Label → the override in force (the newest not cleared)."""
    t = AssessmentOverride.__table__
    q = select(t).where(t.c.operation_id == op_id, t.c.cleared_at.is_(None)).order_by(t.c.id)
    return {
        r.subject_label: ActiveOverride(
            r.id, r.tier, r.justification, r.author, frozenset(r.reason_codes or ())
        )
        for r in conn.execute(q)
    }


def _current(session: Session, op_id: int, label: str) -> tuple[Subject, Assessment]:
    subject = session.scalar(
        select(Subject).where(Subject.operation_id == op_id, Subject.label == label)
    )
    if subject is None:
        raise NotFoundError(f"no subject {label!r} in the operation")
    assessment = session.scalar(select(Assessment).where(Assessment.subject_id == subject.id))
    if assessment is None:
        raise ActionRefused(f"{label} has not been assessed yet: run `safeguard assess` first")
    return subject, assessment


def _why(justification: str) -> str:
    text = justification.strip()
    if not text:
        raise ActionRefused("a justification (--why) is required for every override")
    return text


def _end_active(session: Session, op_id: int, label: str, by: str, why: str) -> None:
    for old in session.scalars(
        select(AssessmentOverride).where(
            AssessmentOverride.operation_id == op_id,
            AssessmentOverride.subject_label == label,
            AssessmentOverride.cleared_at.is_(None),
        )
    ):
        old.cleared_at, old.cleared_by, old.clear_justification = utcnow(), by, why


def _platform_ids(session: Session, subject_id: int) -> list[str]:
    q = (
        select(Account.platform_account_id)
        .join(SubjectAccount, SubjectAccount.account_id == Account.id)
        .where(SubjectAccount.subject_id == subject_id)
        .order_by(Account.platform_account_id)
    )
    return [str(p) for p in session.scalars(q)]


def _codes(assessment: Assessment) -> list[str]:
    return sorted({str(r.get("code", r.get("factor"))) for r in assessment.reasons or []})


def override(
    store: Store, op_id: int, label: str, tier: Tier, *, justification: str, author: str
) -> OverrideResult:
    """Set ``label``'s tier to ``tier`` with a justification (replaces any override in force)."""
    why = _why(justification)
    with store.session() as s:
        subject, a = _current(s, op_id, label)
        old = a.override_tier or a.tier
        _end_active(s, op_id, label, author, "replaced by a new override")
        row = AssessmentOverride(
            operation_id=op_id,
            subject_label=label,
            platform_account_ids=_platform_ids(s, subject.id),
            tier=tier.value,
            computed_tier=a.tier,
            previous_tier=old,
            justification=why,
            author=author,
            reason_codes=_codes(a),
        )
        s.add(row)
        s.flush()
        event = audit.append(s, author, "assessment.override", label, _detail(row, old))
        row.audit_event_id = event.id
        a.override_tier, a.override_justification, a.override_author = tier.value, why, author
        a.override_id, a.facts_changed = row.id, False
        return OverrideResult(row.id, event.id, label, a.tier, old, tier.value)


def _detail(row: AssessmentOverride, old: str) -> dict[str, Any]:
    return {
        "override_id": row.id,
        "old_tier": old,
        "new_tier": row.tier,
        "computed_tier": row.computed_tier,
        "justification": row.justification,
        "accounts": row.platform_account_ids,
    }


def clear(
    store: Store, op_id: int, label: str, *, justification: str, author: str
) -> OverrideResult:
    """End the override in force on ``label``: the computed tier applies again."""
    why = _why(justification)
    with store.session() as s:
        _, a = _current(s, op_id, label)
        if a.override_tier is None:
            raise ActionRefused(f"{label} has no override to clear")
        old = a.override_tier
        _end_active(s, op_id, label, author, why)
        detail = {"old_tier": old, "new_tier": a.tier, "justification": why}
        event = audit.append(s, author, "assessment.override-cleared", label, detail)
        a.override_tier = a.override_justification = a.override_author = None
        a.override_id, a.facts_changed = None, False
        return OverrideResult(None, event.id, label, a.tier, old, a.tier)


def history(session: Session, op_id: int, label: str, ruleset: Ruleset) -> list[dict[str, Any]]:
    """Every override ever made on ``label``, oldest first, with tier names."""
    rows = session.scalars(
        select(AssessmentOverride)
        .where(AssessmentOverride.operation_id == op_id, AssessmentOverride.subject_label == label)
        .order_by(AssessmentOverride.id)
    )
    return [
        {
            "id": r.id,
            "tier": r.tier,
            "tier_name": ruleset.tier_name(r.tier),
            "previous_tier": r.previous_tier,
            "computed_tier": r.computed_tier,
            "justification": r.justification,
            "author": r.author,
            "at": r.at,
            "audit_event_id": r.audit_event_id,
            "cleared_at": r.cleared_at,
            "cleared_by": r.cleared_by,
            "clear_justification": r.clear_justification,
        }
        for r in rows
    ]
