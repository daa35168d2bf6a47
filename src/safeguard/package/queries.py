"""Read-only views of an operation's packages: list, show, and what is overdue."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from safeguard.errors import ActionRefused, NotFoundError
from safeguard.package.lifecycle import STATUSES, package
from safeguard.package.timescales import timescale
from safeguard.store.db import Store
from safeguard.store.models import Delivery, IntelPackage, PackageBatch

__all__ = ["describe", "list_packages", "overdue", "show_package"]


def _iso(t: datetime | None) -> str | None:
    return t.astimezone(UTC).isoformat() if t else None


def describe(
    p: IntelPackage,
    supersedes: str | None = None,
    batch: str | None = None,
    label: str | None = None,
) -> dict[str, Any]:
    """A package's lifecycle fields; ``label`` (the subject's, from the content) is read from
    ``p.content`` unless given (a list reads it alone, not every package's whole content)."""
    return {
        "reference": p.reference,
        "version": p.version,
        "supersedes": supersedes,
        "subject": label if label is not None else p.content.get("subject", {}).get("label"),
        "force_id": p.force_id,
        "recipient": p.recipient_id,
        "recipient_kind": p.recipient_kind,
        "suggested_recipient": p.suggested_recipient,
        "tier": p.tier,
        "grading": p.grading,
        "status": p.status,
        "drafted_by": p.drafted_by,
        "created_at": _iso(p.created_at),
        "approved_by": p.approved_by or None,
        "approved_at": _iso(p.approved_at),
        "sent_by": p.sent_by or None,
        "sent_at": _iso(p.sent_at),
        "sent_file": p.sent_path or None,
        "batch": batch,
        "received_at": _iso(p.received_at),
        "acknowledged_by": p.acknowledged_by or None,
        "acknowledged_at": _iso(p.acknowledged_at),
        "actioned_at": _iso(p.actioned_at),
        "file": p.path,
        "sha256": p.sha256,
    }


def _batches(s: Session, op_id: int) -> dict[int, str]:
    rows = s.execute(
        select(PackageBatch.id, PackageBatch.reference).where(PackageBatch.operation_id == op_id)
    )
    return {i: r for i, r in rows}


def list_packages(
    store: Store,
    operation: str,
    *,
    status: str | None = None,
    force: str | None = None,
    batch: str | None = None,
) -> list[dict[str, Any]]:
    if status is not None and status not in STATUSES:
        raise ActionRefused(f"unknown status {status!r}; one of: {', '.join(STATUSES)}")
    op_id = store.operation_id(operation)
    label = IntelPackage.content[("subject", "label")].as_string()
    q = (
        select(IntelPackage, label)
        .options(defer(IntelPackage.content))
        .where(IntelPackage.operation_id == op_id)
    )
    if status:
        q = q.where(IntelPackage.status == status)
    if force:
        q = q.where((IntelPackage.force_id == force) | (IntelPackage.recipient_id == force))
    with store.session() as s:
        batches = _batches(s, op_id)
        if batch is not None:
            ids = [i for i, r in batches.items() if r == batch]
            if not ids:
                raise NotFoundError(f"no batch {batch!r} in this operation")
            q = q.where(IntelPackage.batch_id == ids[0])
        rows = s.execute(q.order_by(IntelPackage.tier, IntelPackage.reference)).all()
        ids_refs = select(IntelPackage.id, IntelPackage.reference).where(
            IntelPackage.operation_id == op_id
        )
        refs = {i: r for i, r in s.execute(ids_refs)}
        return [
            describe(p, refs.get(p.supersedes_id or -1), batches.get(p.batch_id or -1), label or "")
            for p, label in rows
        ]


def show_package(store: Store, operation: str, reference: str) -> dict[str, Any]:
    op_id = store.operation_id(operation)
    with store.session() as s:
        p = package(s, op_id, reference)
        prior = s.get(IntelPackage, p.supersedes_id) if p.supersedes_id else None
        batch = s.get(PackageBatch, p.batch_id) if p.batch_id else None
        return {
            **describe(p, prior.reference if prior else None, batch.reference if batch else None),
            "content": p.content,
        }


def _late(p: IntelPackage, received: datetime, now: datetime) -> dict[str, Any] | None:
    scale = timescale(p.tier)
    if p.status in ("draft", "approved"):
        start = received if p.version == 1 else p.created_at
        due, what = start + scale.disseminate, "dissemination"
    elif p.status in ("sent", "received") and p.approved_at is not None:
        due, what = p.approved_at + scale.acknowledge, "acknowledgement"
    else:
        return None
    if now <= due:
        return None
    return {
        **describe(p),
        "late_for": what,
        "due_at": _iso(due),
        "hours_late": round((now - due).total_seconds() / 3600, 1),
    }


def overdue(store: Store, operation: str, now: datetime | None = None) -> list[dict[str, Any]]:
    """Packages past their tier's target: dissemination (from receipt of the delivery) or the
    recipient's acknowledgement (from approval)."""
    now = now or datetime.now(UTC)
    op_id = store.operation_id(operation)
    with store.session() as s:
        received = (
            s.scalar(select(func.min(Delivery.received_at)).where(Delivery.operation_id == op_id))
            or now
        )
        rows = s.scalars(select(IntelPackage).where(IntelPackage.operation_id == op_id))
        late = [d for p in rows if (d := _late(p, received, now)) is not None]
    return sorted(late, key=lambda d: (-d["hours_late"], d["reference"]))
