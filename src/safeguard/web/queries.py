"""Read-only queries behind the web pages and API (the routes stay thin).

Each query that lists subjects or packages takes the actor and filters in SQL with
:mod:`safeguard.authz`; a record the actor may not see is not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

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
)

__all__ = [
    "PackageItem",
    "QueueItem",
    "find_package",
    "operation_names",
    "package_list",
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


def _queue_query(op_id: int, actor: Actor, limit: int, offset: int) -> Any:
    n_accounts = (
        select(SubjectAccount.subject_id, func.count().label("n"))
        .group_by(SubjectAccount.subject_id)
        .subquery()
    )
    return (
        select(
            Subject.label,
            Assessment,
            Attribution.country,
            Attribution.force_id,
            Attribution.confidence,
            n_accounts.c.n,
        )
        .join(Assessment, Assessment.subject_id == Subject.id)
        .join(n_accounts, n_accounts.c.subject_id == Subject.id)
        .outerjoin(Attribution, Attribution.subject_id == Subject.id)
        .where(Subject.operation_id == op_id, authz.subject_filter(actor))
        .order_by(Assessment.tier, Assessment.score.desc(), Subject.label)
        .limit(limit)
        .offset(offset)
    )


def _queue_item(row: Any, forces: dict[str, uk.Force]) -> QueueItem:
    label, a, country, force_id, confidence, n = row
    reasons = sorted(a.reasons, key=lambda r: -float(r.get("points", 0)))
    force = forces.get(force_id) if force_id else None
    return QueueItem(
        label=label,
        tier=a.tier,
        score=a.score,
        accounts=int(n),
        country=country,
        force_id=force_id,
        force_name=force.name if force else None,
        confidence=confidence,
        reasons=[str(r.get("text", "")) for r in reasons[:3]],
        deconfliction=list(a.deconfliction or []),
    )


def triage_queue(
    store: Store, operation: str, actor: Actor, limit: int = 25, offset: int = 0
) -> list[QueueItem]:
    """Subjects the actor may see, in priority order (tier, score, label), one page."""
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise ValueError(f"limit is 1..{MAX_PAGE} and offset >= 0")
    op_id = store.operation_id(operation)
    forces = uk.forces()
    with store.session() as s:
        rows = s.execute(_queue_query(op_id, actor, limit, offset)).all()
    return [_queue_item(r, forces) for r in rows]


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
        tier=p.tier,
        status=p.status,
        grading=p.grading,
        classification=p.classification,
        created_at=p.created_at.isoformat(),
        sha256=p.sha256,
        path=p.path,
    )


def package_list(
    store: Store, actor: Actor, *, operation: str | None = None, limit: int = 100, offset: int = 0
) -> list[PackageItem]:
    """Packages the actor may see (a force officer: their force's only), newest first."""
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise ValueError(f"limit is 1..{MAX_PAGE} and offset >= 0")
    q = _package_query(actor)
    if operation is not None:
        q = q.where(IntelPackage.operation_id == store.operation_id(operation))
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
