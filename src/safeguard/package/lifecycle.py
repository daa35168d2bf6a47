"""A package's lifecycle: draft -> approved -> sent -> received -> acknowledged -> actioned.

Each step is time-stamped and attributed on the package row and appended to the
hash-chained audit log in the same transaction. Approval needs a second person: the user
who drafted a package cannot approve it. Sending seals the package (:mod:`bag`) to the
recipient's age key and writes it to ``<data dir>/outbox/<recipient>/``; a recipient with no
key is refused, and nothing is written in clear.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguard.config import Settings
from safeguard.errors import ActionRefused, NotFoundError
from safeguard.package.content import document
from safeguard.package.files import write_atomic
from safeguard.package.recipients import parse
from safeguard.store import audit
from safeguard.store.db import Store
from safeguard.store.models import IntelPackage

__all__ = [
    "STATUSES",
    "acknowledge",
    "approve",
    "issued_document",
    "mark_actioned",
    "outbox_dir",
    "package",
    "send",
    "set_recipient",
]

STATUSES = ("draft", "approved", "sent", "received", "acknowledged", "actioned")
_AFTER_SEND = frozenset({"sent", "received", "acknowledged", "actioned"})


def _now() -> datetime:
    return datetime.now(UTC)


def outbox_dir(settings: Settings) -> Path:
    return settings.data_dir / "outbox"


def package(s: Session, op_id: int, reference: str) -> IntelPackage:
    p = s.scalars(
        select(IntelPackage).where(
            IntelPackage.operation_id == op_id, IntelPackage.reference == reference
        )
    ).first()
    if p is None:
        raise NotFoundError(f"no package {reference!r} in this operation")
    return p


@contextmanager
def _step(store: Store, operation: str, reference: str) -> Iterator[tuple[Session, IntelPackage]]:
    op_id = store.operation_id(operation)
    with store.session() as s:
        yield s, package(s, op_id, reference)


def _audit(s: Session, user: str, action: str, p: IntelPackage, **detail: Any) -> None:
    audit.append(s, user, action, p.reference, {"status": p.status, **detail})


def set_recipient(
    store: Store, operation: str, reference: str, recipient_id: str, *, user: str
) -> None:
    """The analyst's choice of recipient for a draft (the suggestion stays recorded)."""
    recipient = parse(recipient_id)
    with _step(store, operation, reference) as (s, p):
        if p.status != "draft":
            raise ActionRefused(f"{reference} is {p.status}: only a draft's recipient can change")
        old = p.recipient_id
        p.recipient_kind, p.recipient_id = recipient.kind, recipient.recipient_id
        p.recipient_chosen_by = user
        _rewrite_draft(s, p)
        _audit(
            s,
            user,
            "package.recipient",
            p,
            recipient=recipient.recipient_id,
            previous=old,
            suggested=p.suggested_recipient,
        )


def _rewrite_draft(s: Session, p: IntelPackage) -> None:
    """Move a draft's file to its (new) recipient's directory with the recipient in it."""
    from safeguard.package.content import canonical_json
    from safeguard.package.files import sha256_hex

    prior = s.get(IntelPackage, p.supersedes_id) if p.supersedes_id else None
    body = canonical_json(
        document(
            p.content,
            reference=p.reference,
            version=p.version,
            supersedes=prior.reference if prior else None,
            recipient=parse(p.recipient_id),
        )
    )
    old = Path(p.path)
    new = old.parent.parent / p.recipient_id.replace(":", "-") / old.name
    write_atomic(new, body)
    if new != old:
        old.unlink(missing_ok=True)
    p.path, p.sha256 = str(new), sha256_hex(body)


def approve(store: Store, operation: str, reference: str, *, user: str) -> None:
    """Approve a draft; the person who drafted it cannot."""
    with _step(store, operation, reference) as (s, p):
        if p.status != "draft":
            raise ActionRefused(f"{reference} is {p.status}, not a draft: nothing to approve")
        if user == p.drafted_by:
            raise ActionRefused(
                f"{reference} was drafted by {user!r}: a second person must approve it"
            )
        p.status, p.approved_by, p.approved_at = "approved", user, _now()
        _audit(s, user, "package.approve", p, drafted_by=p.drafted_by)


def issued_document(p: IntelPackage, supersedes: str | None, contact: str) -> dict[str, Any]:
    """The document as sent: the draft's facts with the issuing officer filled in."""
    approved_at = p.approved_at.astimezone(UTC).isoformat() if p.approved_at else None
    return document(
        p.content,
        reference=p.reference,
        version=p.version,
        supersedes=supersedes,
        recipient=parse(p.recipient_id),
        issued={"officer": p.approved_by, "approved_at": approved_at, "contact": contact},
    )


def send(store: Store, settings: Settings, operation: str, reference: str, *, user: str) -> Path:
    """Seal an approved package to its recipient's key and put it in the recipient's outbox."""
    from safeguard.package.bag import seal  # cryptography, bagit, ReportLab: only when sending
    from safeguard.package.keys import load_agency_key, recipient_key

    with _step(store, operation, reference) as (s, p):
        if p.status != "approved":
            raise ActionRefused(f"{reference} is {p.status}: only an approved package is sent")
        age_key = recipient_key(store, p.recipient_id)
        key = load_agency_key(settings)
        prior = s.get(IntelPackage, p.supersedes_id) if p.supersedes_id else None
        doc = issued_document(p, prior.reference if prior else None, settings.contact)
        sealed = seal(doc, key, age_key)
        folder = outbox_dir(settings) / p.recipient_id.replace(":", "-")
        path = folder / f"{p.reference}.tar.age"
        write_atomic(path, sealed)
        p.status, p.sent_by, p.sent_at, p.sent_path = "sent", user, _now(), str(path)
        _audit(
            s,
            user,
            "package.send",
            p,
            recipient=p.recipient_id,
            file=path.name,
            signing_key=key.fingerprint,
        )
        return path


def acknowledge(
    store: Store, operation: str, reference: str, *, user: str, step: str = "acknowledged"
) -> None:
    """The recipient received (``step="received"``) or acknowledged a sent package."""
    if step not in ("received", "acknowledged"):
        raise ActionRefused(f"unknown step {step!r}: received or acknowledged")
    with _step(store, operation, reference) as (s, p):
        allowed = {"received": {"sent"}, "acknowledged": {"sent", "received"}}[step]
        if p.status not in allowed:
            raise ActionRefused(f"{reference} is {p.status}: cannot be marked {step}")
        now = _now()
        p.received_at = p.received_at or now
        if step == "acknowledged":
            p.acknowledged_by, p.acknowledged_at = user, now
        p.status = step
        _audit(s, user, f"package.{step}", p)


def mark_actioned(s: Session, p: IntelPackage, user: str) -> None:
    """The first outcome against a sent package makes it actioned; a draft has no outcomes."""
    if p.status not in _AFTER_SEND:
        raise ActionRefused(
            f"{p.reference} is {p.status}: outcomes are recorded against sent packages only"
        )
    if p.status != "actioned":
        p.status, p.actioned_at = "actioned", _now()
        _audit(s, user, "package.actioned", p)
