"""Read-only queries behind the web pages and API (the routes stay thin).

Each query that lists subjects or packages takes the actor and filters in SQL with
:mod:`safeguard.authz`; a record the actor may not see is not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, and_, cast, func, select

from safeguard import authz
from safeguard.authz import Actor
from safeguard.errors import NotFoundError
from safeguard.refdata import uk
from safeguard.store.db import Store
from safeguard.store.models import (
    Assessment,
    Attribution,
    IntelPackage,
    Operation,
    Subject,
    SubjectAccount,
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
    label: str
    tier: str
    score: float
    accounts: int
    country: str | None
    force_id: str | None
    force_name: str | None
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
    with store.session() as s:
        return list(s.scalars(select(Operation.name).order_by(Operation.name)))


@dataclass(frozen=True)
class QueueFilter:
    """What the analyst narrows the triage queue to (all optional)."""

    tiers: tuple[str, ...] = ()
    force_id: str | None = None
    confidence: str | None = None
    network_role: str | None = None
    flag: str | None = None  # a reason flag, e.g. position-of-trust
    deconflicted: bool | None = None  # True: only subjects known to a force's register


def _json_has(column: Any, value: str) -> Any:
    """A JSON list (or list of objects) whose text holds ``"value"``: the same on both stores."""
    return cast(column, Text).like(f'%"{value}"%')


def _filtered(q: Any, f: QueueFilter) -> Any:
    if f.tiers:
        q = q.where(Assessment.tier.in_(f.tiers))
    if f.force_id:
        q = q.where(Attribution.force_id == f.force_id)
    if f.confidence:
        q = q.where(Attribution.confidence == f.confidence)
    if f.flag:
        q = q.where(_json_has(Assessment.reasons, f.flag))
    if f.deconflicted is not None:
        empty = cast(Assessment.deconfliction, Text).in_(["[]", ""])
        q = q.where(~empty if f.deconflicted else empty)
    if f.network_role:
        roles = select(SubjectNetwork.subject_id).where(
            _json_has(SubjectNetwork.roles, f.network_role)
        )
        q = q.where(Subject.id.in_(roles))
    return q


def _page(op_id: int, actor: Actor, f: QueueFilter, limit: int, offset: int) -> Any:
    """One page of the queue as (subject, assessment) ids in priority order: a walk along
    ``ix_assessment_queue`` that reads no JSON unless a filter needs it."""
    q = (
        select(
            Assessment.subject_id,
            Assessment.id.label("assessment_id"),
            Assessment.tier,
            Assessment.score,
            Subject.label,
        )
        .join(Subject, Subject.id == Assessment.subject_id)
        .where(
            Assessment.operation_id == op_id,
            Subject.operation_id == op_id,
            authz.subject_filter(actor),
        )
    )
    if f.force_id or f.confidence:
        q = q.join(Attribution, _attribution_of(op_id, Assessment.subject_id))
    return (
        _filtered(q, f)
        .order_by(Assessment.tier, Assessment.score.desc(), Subject.label)
        .limit(limit)
        .offset(offset)
        .subquery("page")
    )


def _attribution_of(op_id: int, subject_id: Any) -> Any:
    """The join onto a subject's attribution along ``ix_attribution_op_subject``."""
    return and_(Attribution.operation_id == op_id, Attribution.subject_id == subject_id)


def _queue_query(op_id: int, actor: Actor, f: QueueFilter, limit: int, offset: int) -> Any:
    """The page's rows with their reasons, attribution and account count: one statement."""
    page = _page(op_id, actor, f, limit, offset)
    accounts = (
        select(func.count())
        .where(SubjectAccount.subject_id == page.c.subject_id)
        .correlate(page)
        .scalar_subquery()
    )
    return (
        select(
            page.c.label,
            page.c.tier,
            page.c.score,
            Assessment.reasons,
            Assessment.deconfliction,
            Attribution.country,
            Attribution.force_id,
            Attribution.confidence,
            accounts,
        )
        .select_from(page)
        .join(Assessment, Assessment.id == page.c.assessment_id)
        .outerjoin(Attribution, _attribution_of(op_id, page.c.subject_id))
        .order_by(page.c.tier, page.c.score.desc(), page.c.label)
    )


def _queue_item(row: Any, forces: dict[str, uk.Force]) -> QueueItem:
    label, tier, score, reasons, deconfliction, country, force_id, confidence, n = row
    ranked = sorted(reasons or [], key=lambda r: -float(r.get("points", 0)))
    force = forces.get(force_id) if force_id else None
    return QueueItem(
        label=label,
        tier=tier,
        score=score,
        accounts=int(n),
        country=country,
        force_id=force_id,
        force_name=force.name if force else None,
        confidence=confidence,
        reasons=[str(r.get("text", "")) for r in ranked[:3]],
        deconfliction=list(deconfliction or []),
    )


def triage_queue(
    store: Store,
    operation: str,
    actor: Actor,
    *,
    limit: int = 25,
    offset: int = 0,
    where: QueueFilter | None = None,
) -> list[QueueItem]:
    """Subjects the actor may see, in priority order (tier, score, label), one page."""
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise ValueError(f"limit is 1..{MAX_PAGE} and offset >= 0")
    op_id = store.operation_id(operation)
    forces = uk.forces()
    with store.session() as s:
        rows = s.execute(_queue_query(op_id, actor, where or QueueFilter(), limit, offset)).all()
    return [_queue_item(r, forces) for r in rows]


def subject_doc(store: Store, operation: str, actor: Actor, label: str) -> dict[str, Any]:
    """One subject as ``safeguard subjects show`` gives it, plus its assessment, attribution
    and packages; :class:`NotFoundError` also when the actor may not see it."""
    from safeguard.resolve.query import show_subject

    op_id = store.operation_id(operation)
    q = select(Subject).where(
        Subject.operation_id == op_id, Subject.label == label, authz.subject_filter(actor)
    )
    with store.session() as s:
        subject = s.scalar(q)
        if subject is None:
            raise NotFoundError(f"no subject {label!r} in operation {operation!r}")
        doc = show_subject(s, subject)
        a = s.scalar(select(Assessment).where(Assessment.subject_id == subject.id))
        att = s.scalar(select(Attribution).where(_attribution_of(op_id, subject.id)))
        refs = s.scalars(
            select(IntelPackage.reference).where(
                IntelPackage.subject_id == subject.id, authz.package_filter(actor)
            )
        )
        doc["packages"] = sorted(refs)
    doc["assessment"] = (
        {"tier": a.tier, "score": a.score, "reasons": a.reasons, "deconfliction": a.deconfliction}
        if a
        else None
    )
    doc["attribution"] = (
        {
            "country": att.country,
            "force_id": att.force_id,
            "rocu": att.rocu,
            "confidence": att.confidence,
            "evidence": att.evidence,
        }
        if att
        else None
    )
    return doc


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
    with store.session() as s:
        return [_package_item(r, forces) for r in s.execute(q).all()]


def find_package(store: Store, actor: Actor, reference: str) -> PackageItem:
    """One package by reference, or :class:`NotFoundError` (also when it is another force's)."""
    q = _package_query(actor).where(IntelPackage.reference == reference)
    with store.session() as s:
        row = s.execute(q).first()
    if row is None:
        raise NotFoundError(f"no package {reference!r}")
    return _package_item(row, uk.forces())
