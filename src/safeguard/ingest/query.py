"""Reading deliveries back for people: the list, one delivery's report, its quarantined rows.

``safeguard deliveries ...`` and the web app's deliveries pages both call these.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from safeguard.errors import NotFoundError
from safeguard.store.db import Store
from safeguard.store.models import Delivery, DeliveryFile, Operation, QuarantinedRow

__all__ = ["QUARANTINE_COLUMNS", "delivery_doc", "list_deliveries", "quarantine_rows"]

#: Columns of a quarantined row as shown (``value`` is the offending cell as the partner wrote it).
QUARANTINE_COLUMNS = ("file", "line", "column", "reason", "value", "detail", "raw")


def list_deliveries(store: Store, operation: str | None) -> list[dict[str, Any]]:
    """Deliveries (of one operation, or all) with their accepted and quarantined counts."""
    query = (
        select(Delivery, Operation.name)
        .join(Operation, Operation.id == Delivery.operation_id)
        .order_by(Delivery.id)
    )
    if operation:
        query = query.where(Delivery.operation_id == store.operation_id(operation))
    with store.session() as s:
        rows = s.execute(query).all()
    return [
        {
            "id": d.id,
            "operation": op,
            "format": d.format,
            "platform": d.platform,
            "source_agency": d.source_agency,
            "received_at": d.received_at,
            "ingested_by": d.ingested_by,
            "accepted": sum(t.get("accepted", 0) for t in d.report.get("tables", {}).values()),
            "quarantined": sum(
                t.get("quarantined", 0) for t in d.report.get("tables", {}).values()
            ),
        }
        for d, op in rows
    ]


def delivery_doc(store: Store, delivery_id: int) -> dict[str, Any]:
    """One delivery: provenance, grading, files, and its ingest report."""
    with store.session() as s:
        d = s.get(Delivery, delivery_id)
        if d is None:
            raise NotFoundError(f"no delivery {delivery_id} (see `safeguard deliveries list`)")
        files = s.scalars(select(DeliveryFile).where(DeliveryFile.delivery_id == d.id)).all()
        quarantined = s.scalar(
            select(func.count())
            .select_from(QuarantinedRow)
            .where(QuarantinedRow.delivery_id == d.id)
        )
    return {
        "id": d.id, "format": d.format, "checksum": d.checksum, "platform": d.platform,
        "source_agency": d.source_agency, "produced_at": d.produced_at,
        "received_at": d.received_at, "ingested_by": d.ingested_by,
        "grading": {"source": d.grading_source, "intelligence": d.grading_intelligence,
                    "handling": d.grading_handling, "conditions": d.grading_conditions},
        "files": [{"path": f.path, "sha256": f.sha256, "size": f.size,
                   "evidence_path": f.evidence_path} for f in files],
        "quarantine_entries": int(quarantined or 0),
        "tables": d.report.get("tables", {}), "reasons": d.report.get("reasons", {}),
        "records": d.report.get("records", {}), "notes": d.report.get("notes", []),
    }  # fmt: skip


def _raw_value(raw: str, column: str) -> str | None:
    """The offending cell from the quarantined row's JSON text (None: whole-row reasons)."""
    try:
        row = json.loads(raw)
    except ValueError:
        return None
    value = row.get(column) if isinstance(row, dict) else None
    return None if value is None else value if isinstance(value, str) else json.dumps(value)


def quarantine_rows(
    store: Store, delivery_id: int, reason: str | None, limit: int, offset: int = 0
) -> list[dict[str, Any]]:
    """A delivery's quarantined rows in file and line order (``limit`` 0: all)."""
    query = select(QuarantinedRow).where(QuarantinedRow.delivery_id == delivery_id)
    if reason:
        query = query.where(QuarantinedRow.reason == reason)
    query = query.order_by(QuarantinedRow.file, QuarantinedRow.line, QuarantinedRow.id)
    with store.session() as s:
        if s.get(Delivery, delivery_id) is None:
            raise NotFoundError(f"no delivery {delivery_id} (see `safeguard deliveries list`)")
        rows = s.scalars(query.offset(offset).limit(limit) if limit > 0 else query).all()
    return [
        {"file": r.file, "line": r.line, "column": r.column, "reason": r.reason,
         "value": _raw_value(r.raw, r.column), "detail": r.detail, "raw": r.raw}
        for r in rows
    ]  # fmt: skip
