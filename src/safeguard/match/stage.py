"""The match stage: every file event of an operation against the hash sets.

Writes ``file_match`` (one row per event and matching entry) and ``account_material`` (one
row per account of the operation), replacing what an earlier run wrote, in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import repeat
from typing import Any

import numpy as np
from sqlalchemy import delete, select

from safeguard.config import Settings
from safeguard.match.engine import METHODS, SEVERITY, MatchEngine, Matches
from safeguard.match.events import EventTable, read_file_events
from safeguard.match.load import load_engine
from safeguard.match.summary import AccountSummary, known_columns, summarise
from safeguard.progress import NULL_PROGRESS, Progress
from safeguard.records import Category
from safeguard.store.bulk import bulk_insert, json_text, ts_text
from safeguard.store.db import Store
from safeguard.store.models import Account, AccountMaterial, FileMatch
from safeguard.store.runs import RunRecorder, record_run

__all__ = ["MatchResult", "run"]

_BATCH = 250_000
#: Events whose matches are turned into rows at a time (bounds the write's memory).
_EVENT_SLICE = 100_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MATCH_COLUMNS = (
    "operation_id",
    "file_event_id",
    "hash_entry_id",
    "method",
    "distance",
    "category",
)
_MATERIAL_COLUMNS = (
    "account_id",
    "operation_id",
    "files_a",
    "files_b",
    "files_c",
    "events_a",
    "events_b",
    "events_c",
    "files_known",
    "files_unknown",
    "files_non_pertinent",
    "uploads",
    "downloads",
    "shares",
    "first_uploads_unknown",
    "first_seen",
    "last_seen",
    "detail",
)


@dataclass(frozen=True)
class MatchResult:
    operation: str
    run_id: int
    hash_sets: dict[str, int]
    counts: dict[str, Any] = field(default_factory=dict)


def _match_events(engine: MatchEngine, events: EventTable, settings: Settings) -> Matches:
    """Matches of the events' variants (each distinct hash combination matched once)."""
    return engine.match_hashes(events.variants.matchable(), max_distance=settings.pdq_max_distance)


def _match_rows(
    op_id: int, engine: MatchEngine, events: EventTable, m: Matches
) -> Iterator[tuple[Any, ...]]:
    """One row per event match, from the variants' matches ``m``, built column-wise a slice
    of events at a time (no Python work per row; no full per-event copy of the matches)."""
    names = np.array([c.value for c in SEVERITY], dtype=object)
    methods = np.array([x.value for x in METHODS], dtype=object)
    for start in range(0, len(events), _EVENT_SLICE):
        part = m.broadcast(events.variant[start : start + _EVENT_SLICE], len(events.variants))
        yield from zip(
            repeat(op_id, len(part)),
            events.event_id[start + part.query_row].tolist(),
            engine.entry_ids[part.entry_row].tolist(),
            methods[part.method].tolist(),
            part.distance.tolist(),
            names[engine.categories[part.entry_row]].tolist(),
            strict=True,
        )


def _ts(micros: int) -> str | None:
    if micros in (np.iinfo(np.int64).max, np.iinfo(np.int64).min):
        return None
    return ts_text(_EPOCH + timedelta(microseconds=micros))


def _material_rows(op_id: int, s: AccountSummary) -> Iterator[tuple[Any, ...]]:
    fk, fu, fnp = (a.tolist() for a in known_columns(s.files))
    ek, eu, enp = (a.tolist() for a in known_columns(s.events))
    uncat = SEVERITY.index(Category.UNCATEGORISED)
    for i, account_id in enumerate(s.account_ids.tolist()):
        f, e, d = s.files[i].tolist(), s.events[i].tolist(), s.directions[i].tolist()
        detail = {
            "files_uncategorised": f[uncat],
            "events_uncategorised": e[uncat],
            "events_known": ek[i],
            "events_unknown": eu[i],
            "events_non_pertinent": enp[i],
            "first_upload_unknown_files": s.first_upload_files.get(i, []),
        }
        yield (
            account_id,
            op_id,
            f[0],
            f[1],
            f[2],
            e[0],
            e[1],
            e[2],
            fk[i],
            fu[i],
            fnp[i],
            d[0],
            d[1],
            d[2],
            int(s.first_uploads_unknown[i]),
            _ts(int(s.first_seen[i])),
            _ts(int(s.last_seen[i])),
            json_text(detail),
        )


def _account_ids(store: Store, op_id: int) -> np.ndarray:
    with store.engine.connect() as conn:
        ids = conn.execute(
            select(Account.id).where(Account.operation_id == op_id).order_by(Account.id)
        ).scalars()
        return np.fromiter(ids, dtype=np.int64)


def _write(
    store: Store,
    op_id: int,
    *,
    engine: MatchEngine,
    events: EventTable,
    m: Matches,
    summary: AccountSummary,
) -> None:
    # Without per-row foreign-key checks on SQLite (two thirds of the write time): every id
    # written was read from the store just before, and neither file events nor hash entries
    # are ever deleted.
    with store.bulk_transaction() as conn:
        conn.execute(delete(FileMatch).where(FileMatch.operation_id == op_id))
        conn.execute(delete(AccountMaterial).where(AccountMaterial.operation_id == op_id))
        bulk_insert(
            conn,
            FileMatch.__tablename__,
            _MATCH_COLUMNS,
            _match_rows(op_id, engine, events, m),
            batch_size=_BATCH,
        )
        bulk_insert(
            conn, AccountMaterial.__tablename__, _MATERIAL_COLUMNS, _material_rows(op_id, summary)
        )


def _count(rec: RunRecorder, events: EventTable, m: Matches, s: AccountSummary) -> None:
    """Counts of the run; ``m`` are the variants' matches."""
    files_known, files_unknown, files_np = (int(a.sum()) for a in known_columns(s.files))
    by_cat = np.bincount(s.event_category, minlength=len(SEVERITY) + 1)
    per_event = np.bincount(m.query_row, minlength=len(events.variants))[events.variant]
    rec.counts.update(
        file_events=len(events),
        events_matched=int(np.count_nonzero(per_event)),
        matches=int(per_event.sum()),
        accounts=len(s.account_ids),
        accounts_with_files=int(s.has_events.sum()),
        account_files_known=files_known,
        account_files_unknown=files_unknown,
        account_files_non_pertinent=files_np,
        events_by_category={c.value: int(by_cat[i]) for i, c in enumerate(SEVERITY)}
        | {"unknown": int(by_cat[-1])},
        possible_producers=int((s.first_uploads_unknown > 0).sum()),
    )


def _warn_quality(rec: RunRecorder, events: EventTable, settings: Settings) -> None:
    low = events.low_quality_pdq()
    if low:
        rec.warn(
            "pdq_low_quality",
            f"{low} file event(s) have a PDQ hash of quality below "
            f"{settings.pdq_min_quality} (or none given) and were not PDQ-matched",
        )


def run(
    store: Store,
    settings: Settings,
    operation: str,
    *,
    hash_sets: Sequence[str] | None = None,
    progress: Progress = NULL_PROGRESS,
) -> MatchResult:
    """Match every file event of ``operation`` against ``hash_sets`` (default: all sets)."""
    op_id = store.operation_id(operation)
    engine = load_engine(store, hash_sets)
    versions = {s.name: s.version for s in engine.sets}
    config = {
        "hash_sets": versions,
        "pdq_max_distance": settings.pdq_max_distance,
        "pdq_min_quality": settings.pdq_min_quality,
    }
    with record_run(store, op_id, "match", config) as rec:
        if not engine.sets:
            rec.warn("no_hash_sets", "no hash set is loaded: every file counts as unknown")
        with rec.timed("read"):
            events = read_file_events(store, op_id, settings.pdq_min_quality, progress)
            accounts = _account_ids(store, op_id)
        with rec.timed("match"):
            matches = _match_events(engine, events, settings)
        with rec.timed("summarise"):
            summary = summarise(events, matches, engine.categories, accounts)
        with rec.timed("write"):
            _write(store, op_id, engine=engine, events=events, m=matches, summary=summary)
        _count(rec, events, matches, summary)
        _warn_quality(rec, events, settings)
        counts = dict(rec.counts)
    return MatchResult(operation, rec.run_id, versions, counts)
