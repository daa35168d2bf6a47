"""Reading subjects back for people: the list of an operation, one subject with its evidence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import BindParameter, bindparam, func, or_, select
from sqlalchemy.orm import Session

from safeguard.errors import NotFoundError
from safeguard.store.models import (
    Account,
    LinkEvidence,
    Subject,
    SubjectAccount,
    SubjectAction,
    SubjectNetwork,
)

__all__ = ["account_ids_for", "find_subject", "list_subjects", "network_doc", "subject_evidence"]


def network_doc(net: Any) -> dict[str, Any]:
    """A subject's network figures (a ``SubjectNetwork`` or a row of its columns; ``{}``
    without one)."""
    if net is None:
        return {}
    return {
        "degree": net.degree,
        "counterparts": net.counterparts,
        "sent": net.sent,
        "received": net.received,
        "community": net.community,
        "roles": list(net.roles or []),
    }


def list_subjects(session: Session, op_id: int, limit: int | None = None) -> list[dict[str, Any]]:
    """Subjects of an operation with their account counts and network figures, by label."""
    counts = (
        select(SubjectAccount.subject_id, func.count().label("n"))
        .group_by(SubjectAccount.subject_id)
        .subquery()
    )
    q = (
        select(Subject, counts.c.n, SubjectNetwork)
        .join(counts, counts.c.subject_id == Subject.id)
        .outerjoin(SubjectNetwork, SubjectNetwork.subject_id == Subject.id)
        .where(Subject.operation_id == op_id)
        .order_by(Subject.label)
    )
    if limit is not None:
        q = q.limit(limit)
    return [
        {"id": s.id, "label": s.label, "accounts": int(n), **network_doc(net)}
        for s, n, net in session.execute(q)
    ]


def find_subject(session: Session, ref: str, op_id: int | None) -> Subject:
    """A subject by numeric id, or by label within an operation."""
    if ref.isdigit():
        found = session.get(Subject, int(ref))
    elif op_id is None:
        raise NotFoundError(f"subject {ref!r}: give --operation to look a label up")
    else:
        found = session.scalar(
            select(Subject).where(Subject.operation_id == op_id, Subject.label == ref)
        )
    if found is None:
        raise NotFoundError(f"no subject {ref!r}")
    return found


#: The statements of :func:`subject_evidence`, built once (columns, no entities): the
#: subject page runs them on every view, and building a statement cost more than running it.
_ACCOUNTS = (
    select(Account.id, Account.platform_account_id, Account.username)
    .join(SubjectAccount, SubjectAccount.account_id == Account.id)
    .where(SubjectAccount.subject_id == bindparam("subject"))
    .order_by(Account.id)
)
_ACCOUNT_IDS: BindParameter[int] = bindparam("accounts", expanding=True)
_LINKS = (
    select(
        LinkEvidence.account_a,
        LinkEvidence.account_b,
        LinkEvidence.linker,
        LinkEvidence.strength,
        LinkEvidence.score,
        LinkEvidence.accepted,
        LinkEvidence.evidence,
    )
    .where(
        LinkEvidence.operation_id == bindparam("op"),
        or_(LinkEvidence.account_a.in_(_ACCOUNT_IDS), LinkEvidence.account_b.in_(_ACCOUNT_IDS)),
    )
    .order_by(LinkEvidence.id)
    .limit(500)
)
_ACTIONS = (
    select(
        SubjectAction.id,
        SubjectAction.action,
        SubjectAction.account_ids,
        SubjectAction.justification,
        SubjectAction.author,
        SubjectAction.at,
        SubjectAction.reverted_by,
    )
    .where(SubjectAction.operation_id == bindparam("op"))
    .order_by(SubjectAction.id)
)


def subject_evidence(session: Session, subject_id: int, op_id: int) -> dict[str, Any]:
    """A subject's accounts, every link touching them (at most 500) and the analysts'
    actions on any of them."""
    conn = session.connection()
    accounts = [row._asdict() for row in conn.execute(_ACCOUNTS, {"subject": subject_id})]
    ids = [a["id"] for a in accounts]
    links = [row._asdict() for row in conn.execute(_LINKS, {"op": op_id, "accounts": ids})]
    wanted = set(ids)
    actions = [
        {
            "id": a.id,
            "action": a.action,
            "accounts": a.account_ids,
            "justification": a.justification,
            "author": a.author,
            "at": a.at,
            "reverted_by": a.reverted_by,
        }
        for a in conn.execute(_ACTIONS, {"op": op_id})
        if wanted & set(a.account_ids)
    ]
    return {"accounts": accounts, "links": links, "actions": actions}


def account_ids_for(session: Session, op_id: int, platform_ids: Sequence[str]) -> list[int]:
    """Store ids of accounts named by their platform account ids (all must exist)."""
    rows = session.execute(
        select(Account.platform_account_id, Account.id).where(
            Account.operation_id == op_id, Account.platform_account_id.in_(list(platform_ids))
        )
    ).all()
    found = {str(p): int(i) for p, i in rows}
    missing = [p for p in platform_ids if p not in found]
    if missing:
        raise NotFoundError(f"no such accounts in the operation: {', '.join(missing[:10])}")
    return [found[p] for p in platform_ids]
