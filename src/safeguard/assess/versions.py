"""Assessment runs kept as versions, and what changed between two of them.

Each run stores a compact snapshot (label → tier, override, score, reason codes and points,
accounts) and what it saw (deliveries, checks returns loaded, analysts' actions, ruleset), so
``safeguard assess diff`` says which subjects moved, with the reasons added and removed and
the new data that arrived between the two runs.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from safeguard.errors import NotFoundError
from safeguard.store.models import (
    Assessment,
    AssessmentRun,
    ChecksLoad,
    Delivery,
    RegisterEntry,
    Subject,
    SubjectAction,
)

__all__ = ["diff", "run_inputs"]


def run_inputs(conn: Connection, op_id: int) -> dict[str, Any]:
    """What an assessment run sees, to tell later runs what was new."""
    deliveries = conn.scalars(select(Delivery.id).where(Delivery.operation_id == op_id))
    loads = conn.scalars(select(ChecksLoad.id).where(ChecksLoad.operation_id == op_id))
    actions = conn.execute(
        select(SubjectAction.id, SubjectAction.action, SubjectAction.reverted_by).where(
            SubjectAction.operation_id == op_id
        )
    )
    register = conn.scalar(
        select(func.count()).select_from(RegisterEntry).where(RegisterEntry.operation_id == op_id)
    )
    return {
        "deliveries": sorted(int(d) for d in deliveries),
        "checks_loads": sorted(int(x) for x in loads),
        "actions": sorted([int(i), str(kind), bool(rev)] for i, kind, rev in actions),
        "register_rows": int(register or 0),
    }


def _run(session: Session, op_id: int, run_id: int | None, *, before: int | None) -> AssessmentRun:
    q = select(AssessmentRun).where(AssessmentRun.operation_id == op_id)
    if run_id is not None:
        found = session.scalar(q.where(AssessmentRun.id == run_id))
    elif before is not None:
        found = session.scalar(
            q.where(AssessmentRun.id < before).order_by(AssessmentRun.id.desc()).limit(1)
        )
    else:
        found = session.scalar(q.order_by(AssessmentRun.id.desc()).limit(1))
    if found is None:
        what = f"run {run_id}" if run_id is not None else "an earlier run"
        raise NotFoundError(f"no assessment {what} in the operation (see `safeguard assess runs`)")
    return found


def _new_data(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    actions_then = {tuple(a) for a in old.get("actions", [])}
    return {
        "deliveries": sorted(set(new["deliveries"]) - set(old.get("deliveries", []))),
        "checks_loads": sorted(set(new["checks_loads"]) - set(old.get("checks_loads", []))),
        "actions": [
            {"id": a[0], "action": a[1], "reverted": a[2]}
            for a in new["actions"]
            if tuple(a) not in actions_then
        ],
        "register_rows": [old.get("register_rows", 0), new["register_rows"]],
        "ruleset": [old.get("ruleset"), new.get("ruleset")],
    }


def _texts(session: Session, op_id: int, labels: list[str]) -> dict[str, dict[str, str]]:
    q = (
        select(Subject.label, Assessment.reasons)
        .join(Assessment, Assessment.subject_id == Subject.id)
        .where(Subject.operation_id == op_id, Subject.label.in_(labels))
    )
    return {
        str(label): {str(r.get("code")): str(r.get("text")) for r in reasons or []}
        for label, reasons in session.execute(q)
    }


def _change(label: str, old: list[Any] | None, new: list[Any] | None) -> dict[str, Any] | None:
    if old == new:
        return None
    o = old or [None, None, 0.0, {}, 0]
    n = new or [None, None, 0.0, {}, 0]
    added = sorted(set(n[3]) - set(o[3]))
    removed = sorted(set(o[3]) - set(n[3]))
    changed = sorted(c for c in set(n[3]) & set(o[3]) if n[3][c] != o[3][c])
    status = "new" if old is None else "gone" if new is None else "changed"
    return {
        "label": label,
        "status": status,
        "tier": [o[0], n[0]],
        "override_tier": [o[1], n[1]],
        "score": [o[2], n[2]],
        "accounts": [o[4], n[4]],
        "added": [{"code": c, "points": n[3][c]} for c in added],
        "removed": [{"code": c, "points": o[3][c]} for c in removed],
        "changed": [{"code": c, "points": [o[3][c], n[3][c]]} for c in changed],
    }


def diff(session: Session, op_id: int, since: int | None = None) -> dict[str, Any]:
    """Subjects whose tier, score or reasons differ between run ``since`` (default: the run
    before the latest) and the latest run."""
    latest = _run(session, op_id, None, before=None)
    base = _run(session, op_id, since, before=None if since is not None else latest.id)
    old, new = base.snapshot or {}, latest.snapshot or {}
    changes = [
        c
        for label in sorted(set(old) | set(new))
        if (c := _change(label, old.get(label), new.get(label))) is not None
    ]
    texts = _texts(session, op_id, [c["label"] for c in changes if c["added"]])
    for c in changes:
        for r in c["added"]:
            r["text"] = texts.get(c["label"], {}).get(r["code"], "")
    return {
        "from_run": base.id,
        "to_run": latest.id,
        "from_at": base.at,
        "to_at": latest.at,
        "new_data": _new_data(base.inputs or {}, latest.inputs or {}),
        "tier_changes": sum(1 for c in changes if c["tier"][0] != c["tier"][1]),
        "changes": changes,
    }
