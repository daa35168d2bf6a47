"""Package: draft intelligence packages, one per prioritised UK subject, for its force.

First version: canonical JSON documents written under the data dir with their SHA-256,
status ``draft`` until an analyst approves them. Signing, encryption and dissemination
build on these records.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

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
    """Compact, key-sorted UTF-8 JSON: the same document always gives the same bytes."""
    return orjson.dumps(doc, default=str, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _previous(session: Session, op_id: int) -> dict[str, tuple[str, str]]:
    """reference -> (sha256, path) of the operation's current draft packages."""
    q = select(IntelPackage.reference, IntelPackage.sha256, IntelPackage.path).where(
        IntelPackage.operation_id == op_id, IntelPackage.status == "draft"
    )
    return {ref: (sha, path) for ref, sha, path in session.execute(q)}


def _unchanged(path: Path, body: bytes, sha: str, previous: tuple[str, str] | None) -> bool:
    if previous is None or previous[0] != sha or previous[1] != str(path):
        return False
    try:
        return path.stat().st_size == len(body)
    except OSError:
        return False


def run(
    store: Store,
    settings: Settings,
    operation: str,
    *,
    max_tier: int = 3,
    progress: Progress = NULL_PROGRESS,
) -> PackageResult:
    """Replace the operation's draft packages with new ones from the current assessments.

    A package file is rewritten (atomically) only when its content changed, before the
    records are committed; files of drafts that no longer exist are removed afterwards.
    """
    op_id = store.operation_id(operation)
    out_dir = settings.data_dir / "packages" / operation
    with record_run(store, op_id, Stage.PACKAGE, {"max_tier": max_tier}) as rec:
        with store.session() as session:
            items = list(drafts(session, op_id, max_tier))
            previous = _previous(session, op_id)
        rows, by_force, written = [], Counter[str](), 0
        with progress.task("write packages", total=len(items)) as task:
            for d in items:
                reference = f"{operation}-{d.label}"
                body = canonical_json({"reference": reference, **d.content})
                sha = hashlib.sha256(body).hexdigest()
                path = out_dir / d.force_id / f"{reference}.json"
                if not _unchanged(path, body, sha, previous.get(reference)):
                    _write_atomic(path, body)
                    written += 1
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
                        str(path),
                        sha,
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
        current = {r[3] for r in rows}
        for ref, (_sha, old_path) in previous.items():
            if ref not in current:
                Path(old_path).unlink(missing_ok=True)
        rec.counts.update(packages=len(rows), files_written=written, by_force=dict(by_force))
    return PackageResult(len(rows), dict(by_force), out_dir)
