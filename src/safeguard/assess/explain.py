"""One subject, in full: everything behind its place in the queue, for `subjects show`.

Accounts and identifiers, attribution with evidence, material by category, network role
and nearest counterparts, each reason with its evidence references, checks findings (met
and possible), deconfliction, override history, packages, link evidence and analysts'
actions. Accounts are named by their platform account ids throughout.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from safeguard.assess.overrides import history
from safeguard.assess.queue import QueueFilter, queue
from safeguard.assess.ruleset import Ruleset
from safeguard.errors import NotFoundError
from safeguard.store.models import (
    Account,
    AccountMaterial,
    Attribution,
    CheckFinding,
    CheckMatch,
    FileEvent,
    Identifier,
    IntelPackage,
    LinkEvidence,
    Subject,
    SubjectAccount,
    SubjectAction,
    SubjectNetwork,
)

__all__ = ["explain_subject"]


def _accounts(session: Session, subject_id: int) -> list[Account]:
    return list(
        session.scalars(
            select(Account)
            .join(SubjectAccount, SubjectAccount.account_id == Account.id)
            .where(SubjectAccount.subject_id == subject_id)
            .order_by(Account.platform_account_id)
        )
    )


def _account_docs(session: Session, accounts: list[Account]) -> list[dict[str, Any]]:
    ids = [a.id for a in accounts]
    idents: dict[int, list[dict[str, str]]] = {i: [] for i in ids}
    for ident in session.scalars(select(Identifier).where(Identifier.account_id.in_(ids))):
        idents[ident.account_id].append(
            {"kind": ident.kind, "value": ident.value, "norm": ident.norm}
        )
    q = select(AccountMaterial).where(AccountMaterial.account_id.in_(ids))
    material = {m.account_id: m for m in session.scalars(q)}
    return [
        {
            "platform_account_id": a.platform_account_id,
            "platform": a.platform,
            "username": a.username,
            "display_name": a.display_name,
            "date_of_birth": a.date_of_birth,
            "declared_country": a.declared_country,
            "declared_postcode": a.declared_postcode,
            "identifiers": sorted(idents[a.id], key=lambda d: (d["kind"], d["norm"])),
            "material": _material_doc(material.get(a.id)),
        }
        for a in accounts
    ]


def _material_doc(m: AccountMaterial | None) -> dict[str, int]:
    if m is None:
        return {}
    names = ("files_a", "files_b", "files_c", "files_unknown", "uploads", "downloads", "shares")
    return {n: int(getattr(m, n) or 0) for n in names}


def _links(session: Session, op_id: int, accounts: list[Account]) -> list[dict[str, Any]]:
    ids = [a.id for a in accounts]
    q = select(LinkEvidence).where(
        LinkEvidence.operation_id == op_id,
        or_(LinkEvidence.account_a.in_(ids), LinkEvidence.account_b.in_(ids)),
    )
    links = list(session.scalars(q.order_by(LinkEvidence.id).limit(500)))
    other = {x for link in links for x in (link.account_a, link.account_b)}
    q2 = select(Account.id, Account.platform_account_id).where(Account.id.in_(other))
    names = {int(i): str(p) for i, p in session.execute(q2)}
    return [
        {
            "ref": f"link:{link.id}",
            "account_a": names.get(link.account_a, str(link.account_a)),
            "account_b": names.get(link.account_b, str(link.account_b)),
            "linker": link.linker,
            "strength": link.strength,
            "score": link.score,
            "accepted": link.accepted,
            "evidence": link.evidence,
        }
        for link in links
    ]


def _counterparts(session: Session, op_id: int, accounts: list[Account]) -> list[dict[str, Any]]:
    """The subjects this one exchanged most files with (nearest in the sharing network)."""
    ids = [a.id for a in accounts]
    q = select(FileEvent.counterpart_account_id).where(
        FileEvent.account_id.in_(ids), FileEvent.counterpart_account_id.is_not(None)
    )
    counts = Counter(int(c) for c in session.scalars(q) if c is not None and c not in ids)
    if not counts:
        return []
    q2 = (
        select(SubjectAccount.account_id, Subject.label)
        .join(Subject, Subject.id == SubjectAccount.subject_id)
        .where(SubjectAccount.account_id.in_(list(counts)))
    )
    owner = {int(a): str(label) for a, label in session.execute(q2)}
    by_subject: Counter[str] = Counter()
    for account_id, n in counts.items():
        by_subject[str(owner.get(account_id, f"account {account_id}"))] += n
    return [{"label": label, "transfers": n} for label, n in by_subject.most_common(5)]


def _checks(session: Session, op_id: int, subject_id: int) -> list[dict[str, Any]]:
    q = (
        select(CheckMatch, CheckFinding)
        .join(CheckFinding, CheckFinding.id == CheckMatch.check_id)
        .where(CheckMatch.operation_id == op_id, CheckMatch.subject_id == subject_id)
        .order_by(CheckMatch.status, CheckFinding.id)
    )
    return [
        {
            "ref": f"check:{c.id}",
            "status": m.status,
            "score": m.score,
            "agreed": m.fields,
            "kind": c.kind,
            "value": c.value,
            "source": c.source,
            "finding": c.finding,
            "detail": c.detail,
            "date": c.date,
            "force_id": c.force_id,
        }
        for m, c in session.execute(q)
    ]


def _actions(session: Session, op_id: int, accounts: list[Account]) -> list[dict[str, Any]]:
    names = {a.id: a.platform_account_id for a in accounts}
    q = select(SubjectAction).where(SubjectAction.operation_id == op_id)
    return [
        {
            "id": a.id,
            "action": a.action,
            "accounts": [names.get(int(i), str(i)) for i in a.account_ids],
            "justification": a.justification,
            "author": a.author,
            "at": a.at,
            "reverted_by": a.reverted_by,
        }
        for a in session.scalars(q.order_by(SubjectAction.id))
        if set(names) & {int(i) for i in a.account_ids}
    ]


def _network(net: SubjectNetwork | None) -> dict[str, Any]:
    if net is None:
        return {}
    names = ("degree", "counterparts", "sent", "received", "community")
    return {**{n: getattr(net, n) for n in names}, "roles": list(net.roles or [])}


def _attribution(session: Session, op_id: int, subject_id: int) -> dict[str, Any]:
    attr = session.scalar(
        select(Attribution).where(
            Attribution.operation_id == op_id, Attribution.subject_id == subject_id
        )
    )
    if attr is None:
        return {}
    return {
        "country": attr.country,
        "region": attr.region,
        "force_id": attr.force_id,
        "rocu": attr.rocu,
        "confidence": attr.confidence,
        "status": getattr(attr, "status", None),
        "alternatives": attr.alternatives,
        "evidence": attr.evidence,
    }


def explain_subject(session: Session, op_id: int, label: str, ruleset: Ruleset) -> dict[str, Any]:
    subject = session.scalar(
        select(Subject).where(Subject.operation_id == op_id, Subject.label == label)
    )
    if subject is None:
        raise NotFoundError(f"no subject {label!r} in the operation")
    accounts = _accounts(session, subject.id)
    assessed = queue(session, op_id, ruleset, QueueFilter(label=label))
    packages = session.scalars(select(IntelPackage).where(IntelPackage.subject_id == subject.id))
    return {
        "label": subject.label,
        "id": subject.id,
        "assessment": assessed[0] if assessed else None,
        "accounts": _account_docs(session, accounts),
        "attribution": _attribution(session, op_id, subject.id),
        "network": _network(session.get(SubjectNetwork, subject.id)),
        "nearest_counterparts": _counterparts(session, op_id, accounts),
        "checks": _checks(session, op_id, subject.id),
        "overrides": history(session, op_id, label, ruleset),
        "packages": [
            {"reference": p.reference, "force_id": p.force_id, "tier": p.tier, "status": p.status}
            for p in packages
        ],
        "links": _links(session, op_id, accounts),
        "actions": _actions(session, op_id, accounts),
    }
