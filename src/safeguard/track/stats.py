"""The operation's figures: what came in, what went out, and what forces did with it."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, func, select

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

__all__ = ["OperationSummary", "spread", "summarise"]

_SENT = ("sent", "received", "acknowledged", "actioned")


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
    packages_by_recipient: dict[str, int] = field(default_factory=dict)
    packages_by_tier: dict[str, int] = field(default_factory=dict)
    packages_by_status: dict[str, int] = field(default_factory=dict)
    disseminated: int = 0
    acknowledged: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    arrests: int = 0
    charged: int = 0
    convicted: int = 0
    children_safeguarded: int = 0
    children_at_serious_risk: int = 0
    properties_searched: int = 0
    devices_examined: int = 0
    arrested_in_positions_of_trust: int = 0
    arrested_registered_sex_offenders: int = 0
    receipt_to_dissemination_hours: dict[str, float | int | None] = field(default_factory=dict)
    receipt_to_arrest_days: dict[str, float | int | None] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def spread(values: list[float]) -> dict[str, float | int | None]:
    """n, median and 90th percentile (linear interpolation, numpy's default)."""
    import numpy as np

    if not values:
        return {"n": 0, "median": None, "p90": None}
    median, p90 = np.percentile(np.asarray(values, dtype=float), [50, 90])
    return {"n": len(values), "median": round(float(median), 2), "p90": round(float(p90), 2)}


def _count(conn: Connection, model: Any, *where: Any) -> int:
    return int(conn.scalar(select(func.count()).select_from(model).where(*where)) or 0)


#: An analyst's override when there is one, else the computed tier (``tier_in_force``).
_TIER_IN_FORCE = func.coalesce(Assessment.override_tier, Assessment.tier)


def _grouped(conn: Connection, column: Any, model: Any, op_id: int) -> dict[str, int]:
    q = select(column, func.count()).where(model.operation_id == op_id).group_by(column)
    return dict(sorted((str(k), int(v)) for k, v in conn.execute(q)))


def _received(conn: Connection, op_id: int) -> datetime | None:
    value = conn.scalar(
        select(func.min(Delivery.received_at)).where(Delivery.operation_id == op_id)
    )
    if isinstance(value, str):  # a raw SQLite aggregate bypasses the column type
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _dissemination_hours(conn: Connection, op_id: int, received: datetime | None) -> list[float]:
    if received is None:
        return []
    q = select(IntelPackage.sent_at).where(
        IntelPackage.operation_id == op_id,
        IntelPackage.version == 1,
        IntelPackage.sent_at.is_not(None),
    )
    return [(t - received).total_seconds() / 3600 for (t,) in conn.execute(q) if t is not None]


def _arrests(conn: Connection, op_id: int, received: datetime | None) -> dict[str, Any]:
    """Days from receipt to each arrested subject's first arrest, and who they were."""
    q = (
        select(Outcome.subject_id, func.min(Outcome.occurred_on))
        .where(Outcome.operation_id == op_id, Outcome.kind == "arrest")
        .group_by(Outcome.subject_id)
    )
    firsts = {sid: day for sid, day in conn.execute(q)}
    days = (
        [float((date.fromisoformat(d) - received.date()).days) for d in firsts.values()]
        if received
        else []
    )
    trust = rso = 0
    q2 = (
        select(IntelPackage.subject_id, IntelPackage.content)
        .where(IntelPackage.operation_id == op_id, IntelPackage.subject_id.in_(list(firsts)))
        .order_by(IntelPackage.version)
    )
    latest = {sid: content for sid, content in conn.execute(q2)}
    for content in latest.values():
        flags = {f for r in content["priority"]["reasons"] for f in r.get("flags", [])}
        trust += "position-of-trust" in flags
        rso += any(c.get("finding") == "registered_sex_offender" for c in content["checks"])
    return {"days": days, "trust": trust, "rso": rso}


def summarise(store: Store, operation: str) -> OperationSummary:
    op_id = store.operation_id(operation)
    with store.transaction() as conn:
        account_attr = (Attribution.operation_id == op_id, Attribution.account_id.is_not(None))
        outcomes: Counter[str] = Counter()
        q = select(Outcome.kind, func.sum(Outcome.count)).where(Outcome.operation_id == op_id)
        for kind, total in conn.execute(q.group_by(Outcome.kind)):
            outcomes[kind] = int(total or 0)
        serious = conn.scalar(
            select(func.sum(Outcome.serious_risk)).where(
                Outcome.operation_id == op_id, Outcome.kind == "children_safeguarded"
            )
        )
        status = _grouped(conn, IntelPackage.status, IntelPackage, op_id)
        received = _received(conn, op_id)
        arrests = _arrests(conn, op_id, received)
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
            tiers=_grouped(conn, _TIER_IN_FORCE, Assessment, op_id),
            packages_by_force=_grouped(conn, IntelPackage.force_id, IntelPackage, op_id),
            packages_by_recipient=_grouped(conn, IntelPackage.recipient_kind, IntelPackage, op_id),
            packages_by_tier=_grouped(conn, IntelPackage.tier, IntelPackage, op_id),
            packages_by_status=status,
            disseminated=sum(status.get(s, 0) for s in _SENT),
            acknowledged=sum(status.get(s, 0) for s in ("acknowledged", "actioned")),
            outcomes=dict(sorted(outcomes.items())),
            arrests=outcomes["arrest"],
            charged=outcomes["charged"],
            convicted=outcomes["convicted"],
            children_safeguarded=outcomes["children_safeguarded"],
            children_at_serious_risk=int(serious or 0),
            properties_searched=outcomes["search"],
            devices_examined=outcomes["devices_examined"],
            arrested_in_positions_of_trust=arrests["trust"],
            arrested_registered_sex_offenders=arrests["rso"],
            receipt_to_dissemination_hours=spread(_dissemination_hours(conn, op_id, received)),
            receipt_to_arrest_days=spread(arrests["days"]),
        )
