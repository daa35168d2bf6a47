"""Read-only queries behind the web pages and API (the routes stay thin)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from safeguard.refdata import uk
from safeguard.store.db import Store
from safeguard.store.models import Assessment, Attribution, Operation, Subject, SubjectAccount

__all__ = ["QueueItem", "operation_names", "triage_queue"]


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


def operation_names(store: Store) -> list[str]:
    with store.session() as s:
        return list(s.scalars(select(Operation.name).order_by(Operation.name)))


def triage_queue(store: Store, operation: str, limit: int = 25) -> list[QueueItem]:
    """Subjects in priority order: tier, then score; each with its top reasons."""
    op_id = store.operation_id(operation)
    n_accounts = (
        select(SubjectAccount.subject_id, func.count().label("n"))
        .group_by(SubjectAccount.subject_id)
        .subquery()
    )
    q = (
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
        .where(Subject.operation_id == op_id)
        .order_by(Assessment.tier, Assessment.score.desc(), Subject.label)
        .limit(limit)
    )
    forces = uk.forces()
    with store.session() as s:
        rows = s.execute(q).all()
    items = []
    for label, a, country, force_id, confidence, n in rows:
        reasons = sorted(a.reasons, key=lambda r: -float(r.get("points", 0)))
        force = forces.get(force_id) if force_id else None
        items.append(
            QueueItem(
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
        )
    return items
