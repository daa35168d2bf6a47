"""Track: what forces did with the packages, and the operation's figures.

``record_outcome`` stores one outcome event; ``run`` computes the operation summary (the
figures the CLI prints after a pipeline run and the web overview shows) and records it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select

from safeguard.errors import NotFoundError, PipelineError
from safeguard.package.lifecycle import mark_actioned
from safeguard.records import Stage
from safeguard.store.db import Store
from safeguard.store.models import (
    Account,
    Assessment,
    Attribution,
    Delivery,
    IntelPackage,
    Outcome,
    QuarantinedRow,
    Subject,
)
from safeguard.store.runs import record_run

__all__ = ["OUTCOME_KINDS", "OperationSummary", "record_outcome", "run", "summarise"]

OUTCOME_KINDS = (
    "arrest",
    "voluntary_interview",
    "search",
    "devices_seized",
    "devices_examined",
    "charge",
    "conviction",
    "children_safeguarded",
    "no_further_action",
)


@dataclass(frozen=True)
class OperationSummary:
    operation: str
    deliveries: int
    accounts: int
    quarantined_rows: int
    uk_accounts: int
    non_uk_accounts: int
    subjects: int
    tiers: dict[str, int] = field(default_factory=dict)
    packages_by_force: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _count(conn: Connection, model: Any, *where: Any) -> int:
    return int(conn.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _grouped(conn: Connection, column: Any, model: Any, op_id: int) -> dict[str, int]:
    q = select(column, func.count()).where(model.operation_id == op_id).group_by(column)
    return {str(k): int(v) for k, v in conn.execute(q)}


def summarise(store: Store, operation: str) -> OperationSummary:
    op_id = store.operation_id(operation)
    with store.transaction() as conn:
        account_attr = (Attribution.operation_id == op_id, Attribution.account_id.is_not(None))
        outcomes: Counter[str] = Counter()
        q = select(Outcome.kind, func.sum(Outcome.count)).where(Outcome.operation_id == op_id)
        for kind, total in conn.execute(q.group_by(Outcome.kind)):
            outcomes[kind] = int(total or 0)
        return OperationSummary(
            operation=operation,
            deliveries=_count(conn, Delivery, Delivery.operation_id == op_id),
            accounts=_count(conn, Account, Account.operation_id == op_id),
            quarantined_rows=_count(
                conn,
                QuarantinedRow.__table__.join(Delivery.__table__),
                Delivery.operation_id == op_id,
            ),
            uk_accounts=_count(conn, Attribution, *account_attr, Attribution.country == "GB"),
            non_uk_accounts=_count(
                conn,
                Attribution,
                *account_attr,
                Attribution.country.is_not(None),
                Attribution.country != "GB",
            ),
            subjects=_count(conn, Subject, Subject.operation_id == op_id),
            tiers=dict(sorted(_grouped(conn, Assessment.tier, Assessment, op_id).items())),
            packages_by_force=dict(
                sorted(_grouped(conn, IntelPackage.force_id, IntelPackage, op_id).items())
            ),
            outcomes=dict(sorted(outcomes.items())),
        )


def record_outcome(
    store: Store,
    operation: str,
    package_reference: str,
    kind: str,
    occurred_on: date,
    *,
    count: int = 1,
    detail: str = "",
    user: str,
) -> int:
    """Record what a force did about a package; the package is then no longer a draft."""
    if kind not in OUTCOME_KINDS:
        raise PipelineError(f"unknown outcome kind {kind!r}; one of: {', '.join(OUTCOME_KINDS)}")
    if count < 1:
        raise PipelineError("an outcome count must be at least 1")
    op_id = store.operation_id(operation)
    with store.session() as s:
        package = s.scalars(
            select(IntelPackage).where(
                IntelPackage.operation_id == op_id, IntelPackage.reference == package_reference
            )
        ).first()
        if package is None:
            raise NotFoundError(f"no package {package_reference!r} in operation {operation!r}")
        mark_actioned(s, package, user)
        outcome = Outcome(
            operation_id=op_id,
            package_id=package.id,
            subject_id=package.subject_id,
            kind=kind,
            count=count,
            occurred_on=occurred_on.isoformat(),
            recorded_by=user,
            detail=detail,
        )
        s.add(outcome)
        s.flush()
        return outcome.id


def run(store: Store, operation: str) -> OperationSummary:
    """Compute and record the operation's figures as a ``track`` stage run."""
    op_id = store.operation_id(operation)
    with record_run(store, op_id, Stage.TRACK, {}) as rec:
        summary = summarise(store, operation)
        rec.counts.update(summary.to_json())
    return summary
