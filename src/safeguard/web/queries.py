"""Read-only queries behind the web pages and API (the routes stay thin), each through
:meth:`Store.reading` (no transaction).

Each query that lists subjects or packages takes the actor and filters in SQL with
:mod:`safeguard.authz`; a record the actor may not see is not found.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, select

from safeguard import authz
from safeguard.assess.queue import QueueEntry, QueueFilter, queue_entries
from safeguard.authz import Actor
from safeguard.errors import NotFoundError
from safeguard.refdata import uk
from safeguard.resolve.query import network_doc, subject_evidence
from safeguard.store.db import Store, find_operation_id
from safeguard.store.models import (
    Assessment,
    Attribution,
    IntelPackage,
    Operation,
    Subject,
    SubjectNetwork,
)

__all__ = [
    "MAX_PAGE",
    "PackageItem",
    "QueueFilter",
    "QueueItem",
    "find_package",
    "operation_names",
    "package_list",
    "subject_doc",
    "triage_queue",
]

#: Largest page of the triage queue.
MAX_PAGE = 500


@dataclass(frozen=True)
class QueueItem:
    """A queue row (:class:`safeguard.assess.queue.QueueEntry`) with its force's name."""

    label: str
    tier: str  # in force
    computed_tier: str
    override_tier: str | None
    facts_changed: bool
    score: float
    accounts: int
    country: str | None
    force_id: str | None
    force_name: str | None
    rocu: str | None
    confidence: str | None
    reasons: list[str]
    deconfliction: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass(frozen=True)
class PackageItem:
    reference: str
    operation: str
    subject: str
    force_id: str
    force_name: str
    recipient: str
    tier: str
    status: str
    grading: str
    classification: str
    created_at: str
    sha256: str
    path: str

    def to_json(self) -> dict[str, Any]:
        doc = self.__dict__.copy()
        doc.pop("path")
        return doc


def operation_names(store: Store) -> list[str]:
    with store.reading() as s:
        return list(s.scalars(select(Operation.name).order_by(Operation.name)))


#: The queue entry's fields a :class:`QueueItem` shows (all of them but the force's name).
_SHOWN = tuple(f.name for f in fields(QueueItem) if f.name != "force_name")


def _queue_item(e: QueueEntry, forces: dict[str, uk.Force]) -> QueueItem:
    force = forces.get(e.force_id) if e.force_id else None
    shown = {name: getattr(e, name) for name in _SHOWN}
    return QueueItem(**shown, force_name=force.name if force else None)


def triage_queue(
    store: Store,
    operation: str,
    actor: Actor,
    *,
    limit: int = 25,
    offset: int = 0,
    where: QueueFilter | None = None,
    sort: str = "priority",
) -> list[QueueItem]:
    """One page of the queue the actor may see, in priority order: the query the CLI's
    ``safeguard subjects list`` runs (:mod:`safeguard.assess.queue`)."""
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise ValueError(f"limit is 1..{MAX_PAGE} and offset >= 0")
    forces = uk.forces()
    with store.reading() as s:
        rows = queue_entries(
            s, operation, where or QueueFilter(), actor=actor, limit=limit, offset=offset,
            sort=sort,
        )  # fmt: skip
        if not rows and find_operation_id(s, operation) is None:
            raise NotFoundError(f"no operation named {operation!r}")
    return [_queue_item(e, forces) for e in rows]


def _attribution_of_subject() -> Any:
    """The join onto a subject's attribution along ``ix_attribution_op_subject``."""
    return and_(
        Attribution.operation_id == Subject.operation_id, Attribution.subject_id == Subject.id
    )


def _subject_statement(actor: Actor) -> Select[Any]:
    """A subject by operation name and label, with its assessment, attribution and network:
    one row, or none when the actor may not see it."""
    op_id = select(Operation.id).where(Operation.name == bindparam("op")).scalar_subquery()
    net = SubjectNetwork
    return (
        select(
            Subject.id,
            Subject.label,
            Subject.operation_id,
            Assessment.id.label("assessment"),
            Assessment.tier,
            Assessment.score,
            Assessment.reasons,
            Assessment.deconfliction,
            Attribution.id.label("attribution"),
            Attribution.country,
            Attribution.force_id,
            Attribution.rocu,
            Attribution.confidence,
            Attribution.evidence,
            net.subject_id.label("network"),
            net.degree,
            net.counterparts,
            net.sent,
            net.received,
            net.community,
            net.roles,
        )
        .outerjoin(Assessment, Assessment.subject_id == Subject.id)
        .outerjoin(Attribution, _attribution_of_subject())
        .outerjoin(net, net.subject_id == Subject.id)
        .where(
            Subject.operation_id == op_id,
            Subject.label == bindparam("label"),
            authz.subject_filter(actor),
        )
        .limit(1)
    )


def _package_refs(actor: Actor) -> Select[Any]:
    return select(IntelPackage.reference).where(
        IntelPackage.subject_id == bindparam("subject"), authz.package_filter(actor)
    )


@lru_cache(maxsize=256)
def _cached(role: authz.Role, scopes: frozenset[str] | None) -> tuple[Select[Any], Select[Any]]:
    """The statements of an actor not bound to a force, built once: what such an actor may
    see depends only on their role and their token's scopes (:func:`safeguard.authz.may`)."""
    actor = Actor(0, "", role, None, scopes)
    return _subject_statement(actor), _package_refs(actor)


def _statements(actor: Actor) -> tuple[Select[Any], Select[Any]]:
    if actor.is_force_bound:  # the need-to-know clause names the force: built each time
        return _subject_statement(actor), _package_refs(actor)
    return _cached(actor.role, actor.scopes)


def subject_doc(store: Store, operation: str, actor: Actor, label: str) -> dict[str, Any]:
    """One subject: its accounts, links, network and the analysts' actions, plus its
    assessment, attribution and packages; :class:`NotFoundError` also when the actor may not
    see it (or the operation does not exist)."""
    subject_q, refs_q = _statements(actor)
    with store.reading() as s:
        conn = s.connection()
        row = conn.execute(subject_q, {"op": operation, "label": label}).first()
        if row is None:
            store.operation_id(operation)  # no such operation: say so
            raise NotFoundError(f"no subject {label!r} in operation {operation!r}")
        evidence = subject_evidence(s, row.id, row.operation_id)
        refs = sorted(conn.execute(refs_q, {"subject": row.id}).scalars())
    assessment = {"tier": row.tier, "score": row.score, "reasons": row.reasons,
                  "deconfliction": row.deconfliction}  # fmt: skip
    attribution = {"country": row.country, "force_id": row.force_id, "rocu": row.rocu,
                   "confidence": row.confidence, "evidence": row.evidence}  # fmt: skip
    return {
        "id": row.id,
        "label": row.label,
        "operation_id": row.operation_id,
        "accounts": evidence["accounts"],
        "links": evidence["links"],
        "network": network_doc(row if row.network is not None else None),
        "actions": evidence["actions"],
        "packages": refs,
        "assessment": assessment if row.assessment is not None else None,
        "attribution": attribution if row.attribution is not None else None,
    }


def _package_query(actor: Actor) -> Any:
    return (
        select(IntelPackage, Operation.name, Subject.label)
        .join(Operation, Operation.id == IntelPackage.operation_id)
        .join(Subject, Subject.id == IntelPackage.subject_id)
        .where(authz.package_filter(actor))
    )


def _package_item(row: Any, forces: dict[str, uk.Force]) -> PackageItem:
    p, op, label = row
    force = forces.get(p.force_id)
    return PackageItem(
        reference=p.reference,
        operation=op,
        subject=label,
        force_id=p.force_id,
        force_name=force.name if force else p.force_id,
        recipient=p.recipient_id,
        tier=p.tier,
        status=p.status,
        grading=p.grading,
        classification=p.classification,
        created_at=p.created_at.isoformat(),
        sha256=p.sha256,
        path=p.path,
    )


def package_list(
    store: Store,
    actor: Actor,
    *,
    operation: str | None = None,
    limit: int = 100,
    offset: int = 0,
    status: str | None = None,
    force: str | None = None,
) -> list[PackageItem]:
    """Packages the actor may see (a force officer: their force's only), highest tier first;
    ``status`` and ``force`` (the force, or the recipient id) narrow the list."""
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise ValueError(f"limit is 1..{MAX_PAGE} and offset >= 0")
    q = _package_query(actor)
    if operation is not None:
        q = q.where(IntelPackage.operation_id == store.operation_id(operation))
    if status:
        q = q.where(IntelPackage.status == status)
    if force:
        q = q.where((IntelPackage.force_id == force) | (IntelPackage.recipient_id == force))
    q = q.order_by(IntelPackage.tier, IntelPackage.reference).limit(limit).offset(offset)
    forces = uk.forces()
    with store.reading() as s:
        return [_package_item(r, forces) for r in s.execute(q).all()]


def find_package(store: Store, actor: Actor, reference: str) -> PackageItem:
    """One package by reference, or :class:`NotFoundError` (also when it is another force's)."""
    q = _package_query(actor).where(IntelPackage.reference == reference)
    with store.reading() as s:
        row = s.execute(q).first()
    if row is None:
        raise NotFoundError(f"no package {reference!r}")
    return _package_item(row, uk.forces())
