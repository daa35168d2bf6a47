"""Package: draft intelligence packages, one per prioritised UK subject, for its force.

First version: canonical JSON documents written under the data dir with their SHA-256,
status ``draft`` until an analyst approves them. Signing, encryption and dissemination
build on these records.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete

from safeguard.config import Settings
from safeguard.package.content import CLASSIFICATION, drafts
from safeguard.progress import NULL_PROGRESS, Progress
from safeguard.records import Stage
from safeguard.store.bulk import bulk_insert, json_text
from safeguard.store.db import Store
from safeguard.store.models import IntelPackage
from safeguard.store.runs import record_run

__all__ = ["PackageResult", "canonical_json", "run"]


@dataclass(frozen=True)
class PackageResult:
    packages: int
    by_force: dict[str, int] = field(default_factory=dict)
    directory: Path | None = None


def canonical_json(doc: object) -> bytes:
    return (
        json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False, default=str) + "\n"
    ).encode()


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def run(
    store: Store,
    settings: Settings,
    operation: str,
    *,
    max_tier: int = 3,
    progress: Progress = NULL_PROGRESS,
) -> PackageResult:
    """Replace the operation's draft packages with new ones from the current assessments."""
    op_id = store.operation_id(operation)
    out_dir = settings.data_dir / "packages" / operation
    with record_run(store, op_id, Stage.PACKAGE, {"max_tier": max_tier}) as rec:
        with store.session() as session:
            items = list(drafts(session, op_id, max_tier))
        staging = out_dir.with_name(f".{operation}.staging")
        shutil.rmtree(staging, ignore_errors=True)
        rows, by_force = [], Counter[str]()
        with progress.task("write packages", total=len(items)) as task:
            for d in items:
                reference = f"{operation}-{d.label}"
                body = canonical_json({"reference": reference, **d.content})
                path = staging / d.force_id / f"{reference}.json"
                _write_atomic(path, body)
                final = out_dir / d.force_id / path.name
                rows.append(
                    (
                        op_id,
                        d.subject_id,
                        d.force_id,
                        reference,
                        CLASSIFICATION,
                        d.grading,
                        d.tier,
                        "draft",
                        str(final),
                        hashlib.sha256(body).hexdigest(),
                        json_text(d.content),
                    )
                )
                by_force[d.force_id] += 1
                task.advance()
        cols = (
            "operation_id",
            "subject_id",
            "force_id",
            "reference",
            "classification",
            "grading",
            "tier",
            "status",
            "path",
            "sha256",
            "content",
        )
        with store.transaction() as conn:
            conn.execute(
                delete(IntelPackage).where(
                    IntelPackage.operation_id == op_id, IntelPackage.status == "draft"
                )
            )
            bulk_insert(conn, IntelPackage.__tablename__, cols, rows)
            shutil.rmtree(out_dir, ignore_errors=True)
            if staging.exists():
                staging.rename(out_dir)
        rec.counts.update(packages=len(rows), by_force=dict(by_force))
    return PackageResult(len(rows), dict(by_force), out_dir)
