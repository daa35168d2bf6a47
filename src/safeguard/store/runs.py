"""Recording each execution of a stage: code version, config hash, counts, warnings, timings."""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, update

from safeguard.store.bulk import bulk_insert
from safeguard.store.db import Store
from safeguard.store.models import StageRun, StageWarning
from safeguard.store.models.base import utcnow
from safeguard.version import code_version

__all__ = ["RunRecorder", "config_hash", "record_run"]

#: A run keeps at most this many warnings of one kind in full; the rest are only counted.
MAX_WARNINGS_PER_KIND = 1000


def config_hash(config: Mapping[str, Any]) -> str:
    text = json.dumps(config, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class RunRecorder:
    """Handed to a stage while it runs; what it collects is stored with the run."""

    run_id: int
    counts: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    warning_counts: Counter[str] = field(default_factory=Counter)
    _warnings: list[tuple[str, str, str]] = field(default_factory=list)

    def warn(self, kind: str, message: str, ref: str = "") -> None:
        self.warning_counts[kind] += 1
        if self.warning_counts[kind] <= MAX_WARNINGS_PER_KIND:
            self._warnings.append((kind, message, ref))

    @contextmanager
    def timed(self, step: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[step] = round(self.timings.get(step, 0.0) + time.perf_counter() - start, 3)


@contextmanager
def record_run(
    store: Store, operation_id: int | None, stage: str, config: Mapping[str, Any]
) -> Iterator[RunRecorder]:
    """Record a stage run around the block; a failure is recorded with its error, then raised."""
    cfg = {k: v for k, v in config.items()}
    with store.transaction() as conn:
        # A run still "running" when the next one of its stage starts was killed (kill -9,
        # power loss): say so, so `safeguard runs` is honest.
        conn.execute(
            update(StageRun)
            .where(
                StageRun.operation_id == operation_id,
                StageRun.stage == stage,
                StageRun.status == "running",
            )
            .values(status="interrupted", error="the process ended before the run finished")
        )
        run_id = conn.execute(
            insert(StageRun).values(
                operation_id=operation_id,
                stage=stage,
                code_version=code_version(),
                config_hash=config_hash(cfg),
                config=json.loads(json.dumps(cfg, default=str)),
                started_at=utcnow(),
            )
        ).inserted_primary_key
    assert run_id is not None
    rec = RunRecorder(run_id=int(run_id[0]))
    start = time.perf_counter()
    status, error = "ok", ""
    try:
        yield rec
    except BaseException as exc:
        status, error = "failed", f"{type(exc).__name__}: {exc}"
        raise
    finally:
        _finish(store, rec, status, error, time.perf_counter() - start)
    store.analyze()  # a stage bulk-writes: the planner must know the new rows


def _finish(store: Store, rec: RunRecorder, status: str, error: str, seconds: float) -> None:
    counts = dict(rec.counts)
    if rec.warning_counts:
        counts["warnings"] = dict(rec.warning_counts)
    with store.transaction() as conn:
        conn.execute(
            update(StageRun)
            .where(StageRun.id == rec.run_id)
            .values(
                finished_at=utcnow(),
                seconds=round(seconds, 3),
                status=status,
                counts=json.loads(json.dumps(counts, default=str)),
                timings=rec.timings,
                error=error,
            )
        )
        rows = ((rec.run_id, kind, msg, ref) for kind, msg, ref in rec._warnings)
        bulk_insert(conn, StageWarning.__tablename__, ("run_id", "kind", "message", "ref"), rows)
