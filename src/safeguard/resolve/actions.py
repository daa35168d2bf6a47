"""Analysts' splits and merges: recorded with justification and author, audited, reversible.

Each action is a ``subject_action`` row plus an audit event, and takes effect at once: the
operation's subjects are rebuilt from the stored links and every action still in force. The
resolve stage applies the same actions again after each automatic clustering, so they
survive re-runs. ``undo`` marks an action reverted (never deletes it) and rebuilds, giving
the subjects it restores their original labels (each action's audit event records the
subjects it replaced under ``was``). Attribution and assessment of the changed subjects are
refreshed by :func:`safeguard.refresh.refresh_subjects`, which the CLI runs after each
action.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, select, text
from sqlalchemy.orm import Session

from safeguard.errors import ActionRefused, NotFoundError
from safeguard.resolve.netstore import rebuild_network
from safeguard.resolve.stage import rebuild_subjects
from safeguard.store import audit
from safeguard.store.db import Store
from safeguard.store.models import AuditEvent, SubjectAction

__all__ = ["ActionResult", "merge", "split", "subject_of_accounts", "undo"]


@dataclass(frozen=True)
class ActionResult:
    action_id: int
    audit_event_id: int
    subjects: int
    labels: tuple[str, ...]  # labels of the subjects now holding the action's accounts
    operation_id: int = 0


def _need_justification(justification: str) -> str:
    text_ = justification.strip()
    if not text_:
        raise ActionRefused("a justification is required for every split, merge and undo")
    return text_


def subject_of_accounts(conn: Connection, op_id: int, account_ids: Sequence[int]) -> dict[int, str]:
    """Account id -> label of its subject, for accounts of the operation."""
    stmt = text(
        "SELECT sa.account_id, s.label FROM subject_account sa "
        "JOIN subject s ON s.id = sa.subject_id "
        "WHERE s.operation_id = :op AND sa.account_id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    rows = conn.execute(stmt, {"op": op_id, "ids": list(account_ids)})
    return {int(a): str(label) for a, label in rows}


def _members(conn: Connection, op_id: int, label: str) -> set[int]:
    rows = conn.execute(
        text(
            "SELECT sa.account_id FROM subject_account sa JOIN subject s ON s.id = sa.subject_id "
            "WHERE s.operation_id = :op AND s.label = :label"
        ),
        {"op": op_id, "label": label},
    )
    return {int(r[0]) for r in rows}


def _located(conn: Connection, op_id: int, account_ids: Sequence[int]) -> dict[int, str]:
    if not account_ids:
        raise ActionRefused("name at least one account")
    where = subject_of_accounts(conn, op_id, account_ids)
    missing = sorted(set(account_ids) - where.keys())
    if missing:
        raise NotFoundError(f"accounts not in any subject of the operation: {missing[:10]}")
    return where


def _record(
    session: Session, op_id: int, kind: str, *, account_ids: list[int], why: str, author: str
) -> SubjectAction:
    action = SubjectAction(
        operation_id=op_id, action=kind, account_ids=account_ids, justification=why, author=author
    )
    session.add(action)
    session.flush()
    return action


def _holding(conn: Connection, op_id: int, account_ids: Sequence[int]) -> dict[str, list[int]]:
    """Label → every account of each subject holding one of ``account_ids``."""
    labels = sorted(set(subject_of_accounts(conn, op_id, account_ids).values()))
    return {label: sorted(_members(conn, op_id, label)) for label in labels}


def _replaced(session: Session, action: SubjectAction) -> dict[frozenset[int], str]:
    """The subjects ``action`` replaced (its audit event's ``was``): account set → label."""
    event = session.scalar(
        select(AuditEvent).where(
            AuditEvent.target == f"subject_action:{action.id}",
            AuditEvent.action == f"subject.{action.action}",
        )
    )
    was = (event.detail or {}).get("was") if event is not None else None
    return {frozenset(int(a) for a in ids): str(label) for label, ids in (was or {}).items()}


def _rebuild_and_audit(
    session: Session,
    action: SubjectAction,
    detail: dict[str, object],
    prefer: dict[frozenset[int], str] | None = None,
) -> ActionResult:
    conn = session.connection()
    op_id = action.operation_id
    accounts = [int(a) for a in action.account_ids]
    was = _holding(conn, op_id, accounts)
    rebuilt = rebuild_subjects(conn, op_id, prefer)
    rebuild_network(conn, op_id)
    labels = tuple(sorted(set(subject_of_accounts(conn, op_id, accounts).values())))
    event = audit.append(
        session,
        action.author,
        f"subject.{action.action}",
        f"subject_action:{action.id}",
        {
            "operation_id": op_id,
            "accounts": accounts,
            "justification": action.justification,
            "now": list(labels),
            "was": was,
            **detail,
        },
    )
    return ActionResult(action.id, event.id, rebuilt.subjects, labels, op_id)


def _apply(
    session: Session, op_id: int, kind: str, *, account_ids: list[int], why: str, author: str
) -> ActionResult:
    action = _record(session, op_id, kind, account_ids=account_ids, why=why, author=author)
    return _rebuild_and_audit(session, action, {})


def split(
    store: Store, op_id: int, account_ids: Sequence[int], *, justification: str, author: str
) -> ActionResult:
    """Take ``account_ids`` (all of one subject, not all of it) out into a subject of their own."""
    why = _need_justification(justification)
    ids = sorted(set(account_ids))
    with store.session() as session:
        where = _located(session.connection(), op_id, ids)
        labels = set(where.values())
        if len(labels) != 1:
            raise ActionRefused(f"a split takes accounts of one subject, got {sorted(labels)}")
        (label,) = labels
        if _members(session.connection(), op_id, label) == set(ids):
            raise ActionRefused(f"{label} has no other accounts: nothing to split off")
        return _apply(session, op_id, "split", account_ids=ids, why=why, author=author)


def merge(
    store: Store, op_id: int, labels: Sequence[str], *, justification: str, author: str
) -> ActionResult:
    """Join the subjects named by ``labels`` into one."""
    why = _need_justification(justification)
    wanted = sorted(set(labels))
    if len(wanted) < 2:
        raise ActionRefused("a merge needs at least two different subjects")
    with store.session() as session:
        accounts: list[int] = []
        for label in wanted:
            members = _members(session.connection(), op_id, label)
            if not members:
                raise NotFoundError(f"no subject {label} in this operation")
            accounts.extend(sorted(members))
        return _apply(session, op_id, "merge", account_ids=accounts, why=why, author=author)


def undo(store: Store, action_id: int, *, justification: str, author: str) -> ActionResult:
    """Revert a split or merge: it stays on record, marked reverted, and subjects are rebuilt."""
    why = _need_justification(justification)
    with store.session() as session:
        action = session.scalar(select(SubjectAction).where(SubjectAction.id == action_id))
        if action is None or action.action not in ("split", "merge"):
            raise NotFoundError(f"no split or merge with id {action_id}")
        if action.reverted_by is not None:
            raise ActionRefused(f"action {action_id} was already undone by {action.reverted_by}")
        ids = [int(a) for a in action.account_ids]
        record = _record(
            session, action.operation_id, "undo", account_ids=ids, why=why, author=author
        )
        action.reverted_by = record.id
        session.flush()
        detail = {"undoes": action.id, "undone": action.action}
        return _rebuild_and_audit(session, record, detail, _replaced(session, action))
