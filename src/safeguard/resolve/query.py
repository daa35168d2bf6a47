"""Reading subjects back for people: the list of an operation, one subject with its evidence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, or_, select
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

__all__ = ["account_ids_for", "find_subject", "list_subjects", "show_subject"]


def _network_doc(net: SubjectNetwork | None) -> dict[str, Any]:
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
        {"id": s.id, "label": s.label, "accounts": int(n), **_network_doc(net)}
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


def _links(session: Session, op_id: int, ids: list[int]) -> list[dict[str, Any]]:
    q = select(LinkEvidence).where(
        LinkEvidence.operation_id == op_id,
        or_(LinkEvidence.account_a.in_(ids), LinkEvidence.account_b.in_(ids)),
    )
    return [
        {
            "account_a": link.account_a,
            "account_b": link.account_b,
            "linker": link.linker,
            "strength": link.strength,
            "score": link.score,
            "accepted": link.accepted,
            "evidence": link.evidence,
        }
        for link in session.scalars(q.order_by(LinkEvidence.id).limit(500))
    ]


def _actions(session: Session, op_id: int, ids: list[int]) -> list[dict[str, Any]]:
    wanted = set(ids)
    q = select(SubjectAction).where(SubjectAction.operation_id == op_id)
    return [
        {
            "id": a.id,
            "action": a.action,
            "accounts": a.account_ids,
            "justification": a.justification,
            "author": a.author,
            "at": a.at,
            "reverted_by": a.reverted_by,
        }
        for a in session.scalars(q.order_by(SubjectAction.id))
        if wanted & set(a.account_ids)
    ]


def show_subject(session: Session, subject: Subject) -> dict[str, Any]:
    """One subject: its accounts, every link touching them, its network, analysts' actions."""
    accounts = session.scalars(
        select(Account)
        .join(SubjectAccount, SubjectAccount.account_id == Account.id)
        .where(SubjectAccount.subject_id == subject.id)
        .order_by(Account.id)
    ).all()
    ids = [a.id for a in accounts]
    return {
        "id": subject.id,
        "label": subject.label,
        "operation_id": subject.operation_id,
        "accounts": [
            {"id": a.id, "platform_account_id": a.platform_account_id, "username": a.username}
            for a in accounts
        ],
        "links": _links(session, subject.operation_id, ids),
        "network": _network_doc(session.get(SubjectNetwork, subject.id)),
        "actions": _actions(session, subject.operation_id, ids),
    }


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
