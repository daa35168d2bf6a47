"""A batch: one recipient's approved packages sent together, with a signed manifest.

``safeguard packages batch RECIPIENT -o OP`` gathers every approved package for the recipient
that is in no batch yet, seals each one (:func:`bag.seal_many`, on every core when there are
many) and writes them into one directory of the recipient's outbox::

    <data dir>/outbox/<recipient>/<batch reference>/
        batch.json               the manifest (canonical JSON, schema safeguard-batch/1)
        batch.json.ed25519       base64 Ed25519 signature of batch.json by the agency key
        <package reference>.tar.age   one per package, as ``packages send`` writes them

The directory is written under a temporary name and renamed into place, and the packages are
marked sent (with the batch) in the same transaction: a crash leaves either no batch or the
whole batch. A package is in at most one batch, so running the command again sends nothing
twice: it batches only what has been approved since.
"""

from __future__ import annotations

import base64
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from safeguard.config import Settings
from safeguard.errors import ActionRefused
from safeguard.package.content import CLASSIFICATION, canonical_json
from safeguard.package.files import sha256_hex
from safeguard.package.keys import AgencyKey
from safeguard.package.lifecycle import issued_document, outbox_dir
from safeguard.package.recipients import parse
from safeguard.progress import NULL_PROGRESS, Progress
from safeguard.store import audit
from safeguard.store.db import Store
from safeguard.store.models import IntelPackage, PackageBatch

__all__ = [
    "BATCH_SCHEMA",
    "MANIFEST_NAME",
    "SIGNATURE_NAME",
    "BatchResult",
    "batch_reference",
    "send_batch",
]

BATCH_SCHEMA = "safeguard-batch/1"
MANIFEST_NAME = "batch.json"
SIGNATURE_NAME = "batch.json.ed25519"


@dataclass(frozen=True)
class BatchResult:
    reference: str | None  # None: nothing was waiting, no batch written
    recipient: str
    directory: Path | None
    packages: tuple[str, ...]


def batch_reference(operation: str, recipient_id: str, sequence: int) -> str:
    """``demo-kent-B001``: operation, recipient (``:`` as ``-``), the recipient's Nth batch."""
    return f"{operation}-{recipient_id.replace(':', '-')}-B{sequence:03d}"


def _waiting(s: Session, op_id: int, recipient_id: str) -> list[IntelPackage]:
    return list(
        s.scalars(
            select(IntelPackage)
            .where(
                IntelPackage.operation_id == op_id,
                IntelPackage.recipient_id == recipient_id,
                IntelPackage.status == "approved",
                IntelPackage.batch_id.is_(None),
            )
            .order_by(IntelPackage.reference)
        )
    )


def _manifest(
    ref: str, operation: str, recipient_id: str, user: str, key: AgencyKey
) -> dict[str, Any]:
    return {
        "schema": BATCH_SCHEMA,
        "batch": ref,
        "operation": operation,
        "recipient": parse(recipient_id).to_json(),
        "classification": CLASSIFICATION,
        "sent_by": user,
        "sent_at": datetime.now(UTC).isoformat(),
        "signing_key": key.fingerprint,
        "packages": [],
    }


def _write(
    s: Session,
    rows: list[IntelPackage],
    manifest: dict[str, Any],
    into: Path,
    *,
    key: AgencyKey,
    age_key: str,
    contact: str,
    progress: Progress,
) -> bytes:
    """Seal every package into ``into`` and write the signed manifest; return its bytes."""
    from safeguard.package.bag import seal_many

    priors = {
        p.id: p.reference
        for p in s.scalars(
            select(IntelPackage).where(
                IntelPackage.id.in_([r.supersedes_id for r in rows if r.supersedes_id])
            )
        )
    }
    docs = [issued_document(p, priors.get(p.supersedes_id or -1), contact) for p in rows]
    with progress.task(f"seal batch {manifest['batch']}", total=len(rows)) as task:
        for p, sealed in zip(
            rows, seal_many(docs, key, age_key, on_done=task.advance), strict=True
        ):
            name = f"{p.reference}.tar.age"
            (into / name).write_bytes(sealed)
            manifest["packages"].append(
                {
                    "reference": p.reference,
                    "version": p.version,
                    "supersedes": priors.get(p.supersedes_id or -1),
                    "tier": p.tier,
                    "file": name,
                    "bytes": len(sealed),
                    "sha256": sha256_hex(sealed),
                }
            )
    body = canonical_json(manifest)
    (into / MANIFEST_NAME).write_bytes(body)
    (into / SIGNATURE_NAME).write_bytes(base64.b64encode(key.private.sign(body)) + b"\n")
    return body


def _mark_sent(
    s: Session, rows: list[IntelPackage], b: PackageBatch, final: Path, user: str
) -> None:
    now = datetime.now(UTC)
    for p in rows:
        p.status, p.sent_by, p.sent_at = "sent", user, now
        p.sent_path, p.batch_id = str(final / f"{p.reference}.tar.age"), b.id
        audit.append(
            s,
            user,
            "package.send",
            p.reference,
            {
                "status": "sent",
                "recipient": p.recipient_id,
                "batch": b.reference,
                "file": f"{b.reference}/{p.reference}.tar.age",
            },
        )


def send_batch(
    store: Store,
    settings: Settings,
    operation: str,
    recipient_id: str,
    *,
    user: str,
    progress: Progress = NULL_PROGRESS,
) -> BatchResult:
    """Send every approved, unbatched package for ``recipient_id`` as one batch (module doc)."""
    from safeguard.package.keys import load_agency_key, recipient_key

    recipient = parse(recipient_id).recipient_id
    op_id = store.operation_id(operation)
    age_key = recipient_key(store, recipient)
    key = load_agency_key(settings)
    folder = outbox_dir(settings) / recipient.replace(":", "-")
    with store.session() as s:
        rows = _waiting(s, op_id, recipient)
        if not rows:
            return BatchResult(None, recipient, None, ())
        seq = 1 + (
            s.scalar(
                select(func.count())
                .select_from(PackageBatch)
                .where(PackageBatch.operation_id == op_id, PackageBatch.recipient_id == recipient)
            )
            or 0
        )
        ref = batch_reference(operation, recipient, seq)
        final, partial = folder / ref, folder / f".{ref}.partial"
        for stale in (final, partial):  # left by a crash before the commit: never recorded
            shutil.rmtree(stale, ignore_errors=True)
        partial.mkdir(parents=True)
        manifest = _manifest(ref, operation, recipient, user, key)
        try:
            body = _write(
                s,
                rows,
                manifest,
                partial,
                key=key,
                age_key=age_key,
                contact=settings.contact,
                progress=progress,
            )
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        b = PackageBatch(
            operation_id=op_id,
            reference=ref,
            recipient_id=recipient,
            sequence=seq,
            created_by=user,
            path=str(final),
            manifest_sha256=sha256_hex(body),
            packages=len(rows),
        )
        s.add(b)
        try:
            s.flush()
        except IntegrityError as exc:
            shutil.rmtree(partial, ignore_errors=True)
            raise ActionRefused(f"batch {ref} is being sent by someone else; try again") from exc
        _mark_sent(s, rows, b, final, user)
        audit.append(
            s,
            user,
            "batch.send",
            ref,
            {"recipient": recipient, "packages": len(rows), "manifest_sha256": b.manifest_sha256},
        )
        partial.rename(final)
    return BatchResult(ref, recipient, final, tuple(p.reference for p in rows))
