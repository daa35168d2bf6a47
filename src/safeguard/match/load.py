"""Feeding the engine from the store: active hash-set entries, an operation's file events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, func, select, text

from safeguard.errors import NotFoundError
from safeguard.match.engine import MatchEngine, SetRef, category_code
from safeguard.progress import Progress
from safeguard.records import Direction
from safeguard.store.db import Store
from safeguard.store.models import HashEntry, HashSet, HashSetVersion

__all__ = ["DIRECTIONS", "EventTable", "load_engine", "read_file_events"]

#: Direction codes used in :class:`EventTable`.
DIRECTIONS: tuple[Direction, ...] = (Direction.UPLOAD, Direction.DOWNLOAD, Direction.SHARE)
_CHUNK = 100_000


def _sets(conn: Connection, names: Sequence[str] | None) -> list[SetRef]:
    latest = (
        select(HashSetVersion.hash_set_id, func.max(HashSetVersion.version).label("v"))
        .group_by(HashSetVersion.hash_set_id)
        .subquery()
    )
    query = select(HashSet.id, HashSet.name, latest.c.v).join(
        latest, latest.c.hash_set_id == HashSet.id
    )
    if names is not None:
        query = query.where(HashSet.name.in_(list(names)))
    found = [
        SetRef(int(i), str(n), int(v)) for i, n, v in conn.execute(query.order_by(HashSet.name))
    ]
    missing = sorted(set(names or ()) - {s.name for s in found})
    if missing:
        raise NotFoundError(f"no hash set named {', '.join(map(repr, missing))}")
    return found


def load_engine(store: Store, names: Sequence[str] | None = None) -> MatchEngine:
    """An engine over the active entries of the named sets (default: every set)."""
    with store.engine.connect() as conn:
        sets = _sets(conn, names)
        index_of = {s.id: i for i, s in enumerate(sets)}
        cols = (
            HashEntry.id,
            HashEntry.hash_set_id,
            HashEntry.category,
            HashEntry.md5,
            HashEntry.sha1,
            HashEntry.sha256,
            HashEntry.pdq,
        )
        query = select(*cols).where(
            HashEntry.retired_version.is_(None), HashEntry.hash_set_id.in_(list(index_of))
        )
        result = conn.execution_options(stream_results=True, yield_per=_CHUNK).execute(query)
        columns: list[list[Any]] = [[] for _ in cols]
        for row in result:
            for column, value in zip(columns, row, strict=True):
                column.append(value)
    codes = {c: category_code(c) for c in set(columns[2])}
    return MatchEngine.build(
        entry_ids=columns[0],
        set_index=[index_of[s] for s in columns[1]],
        categories=[codes[c] for c in columns[2]],
        sets=sets,
        hashes=dict(zip(("md5", "sha1", "sha256", "pdq"), columns[3:], strict=True)),
    )


@dataclass(frozen=True)
class EventTable:
    """An operation's file events as columns (row order = file_event id order)."""

    event_id: np.ndarray
    account_id: np.ndarray
    ts: np.ndarray  # int64 microseconds since the epoch, UTC
    direction: np.ndarray  # int8 code into DIRECTIONS, -1 if unrecognised
    hashes: dict[str, pa.Array]
    pdq_quality: pa.Array

    def __len__(self) -> int:
        return int(self.event_id.shape[0])

    def file_key(self) -> pa.Array:
        """The best available key of each event's file: sha256, else sha1, md5, pdq."""
        return pc.coalesce(*(self.hashes[k] for k in ("sha256", "sha1", "md5", "pdq")))


_EVENTS_SQL = text(
    "SELECT fe.id, fe.account_id, fe.ts, fe.direction, fe.md5, fe.sha1, fe.sha256, fe.pdq, "
    "fe.pdq_quality FROM file_event fe JOIN account a ON a.id = fe.account_id "
    "WHERE a.operation_id = :op ORDER BY fe.id"
)


def _ts_micros(values: list[Any]) -> np.ndarray:
    if values and isinstance(values[0], str):
        arr = np.array(values, dtype="datetime64[us]")
    else:
        arr = pa.array(values, pa.timestamp("us", tz="UTC")).to_numpy(zero_copy_only=False)
    return arr.astype("datetime64[us]").astype(np.int64)


def _hex_column(values: list[Any]) -> pa.Array:
    arr = pa.array(values, pa.string())
    arr = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def read_file_events(store: Store, operation_id: int, progress: Progress) -> EventTable:
    chunks: list[list[tuple[Any, ...]]] = []
    with store.engine.connect() as conn, progress.task("reading file events") as task:
        result = conn.execution_options(stream_results=True).execute(
            _EVENTS_SQL, {"op": operation_id}
        )
        while rows := result.fetchmany(_CHUNK):
            chunks.append([tuple(r) for r in rows])
            task.advance(len(rows))
    cols = list(zip(*(row for chunk in chunks for row in chunk), strict=True)) or [()] * 9
    codes = {d.value: i for i, d in enumerate(DIRECTIONS)}
    return EventTable(
        event_id=np.array(cols[0], dtype=np.int64),
        account_id=np.array(cols[1], dtype=np.int64),
        ts=_ts_micros(list(cols[2])),
        direction=np.array([codes.get(d, -1) for d in cols[3]], dtype=np.int8),
        hashes={
            k: _hex_column(list(cols[i])) for i, k in enumerate(("md5", "sha1", "sha256", "pdq"), 4)
        },
        pdq_quality=pa.array(cols[8], pa.int64()),
    )
