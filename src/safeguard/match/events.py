"""An operation's file events as columns, read straight from the DBAPI cursor.

The same file appears in many events, so each event is reduced to a *variant*: its distinct
combination of md5, sha1, sha256, sha512 and PDQ hash (the PDQ hash only when its quality is good
enough to match). The database concatenates the four hashes into one text value per event,
so reading costs one string per event, and the engine matches each variant once.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np
import pyarrow as pa

from safeguard.errors import StoreError
from safeguard.progress import Progress
from safeguard.records import Direction
from safeguard.store.db import Store

__all__ = ["DIRECTIONS", "HASH_KINDS", "EventTable", "Variants", "read_file_events"]

#: Direction codes used in :class:`EventTable`.
DIRECTIONS: tuple[Direction, ...] = (Direction.UPLOAD, Direction.DOWNLOAD, Direction.SHARE)
#: The hash columns of a variant, in the order the database concatenates them.
HASH_KINDS: tuple[str, ...] = ("md5", "sha1", "sha256", "sha512", "pdq")
_CHUNK = 25_000
_SEP = "|"


@dataclass(frozen=True)
class Variants:
    """Distinct hash combinations of events: ``hashes[kind][v]`` is variant ``v``'s hash.

    Hashes are lower-case and trimmed, ``None`` when absent. ``pdq_ok[v]`` says whether
    the PDQ hash may be matched (its quality reaches the minimum).
    """

    hashes: dict[str, list[str | None]]
    pdq_ok: np.ndarray

    def __len__(self) -> int:
        return int(self.pdq_ok.shape[0])

    def matchable(self) -> dict[str, list[str | None]]:
        """The hashes to match: PDQ hashes of too low a quality left out."""
        pdq = [h if ok else None for h, ok in zip(self.hashes["pdq"], self.pdq_ok, strict=True)]
        return {**self.hashes, "pdq": pdq}


@dataclass(frozen=True)
class EventTable:
    """An operation's file events as columns (row order = file_event id order)."""

    event_id: np.ndarray
    account_id: np.ndarray
    ts: np.ndarray  # int64 microseconds since the epoch, UTC
    direction: np.ndarray  # int8 code into DIRECTIONS, -1 if unrecognised
    variant: np.ndarray  # int64 row of each event's variant in ``variants``
    variants: Variants

    def __len__(self) -> int:
        return int(self.event_id.shape[0])

    def low_quality_pdq(self) -> int:
        """Events with a PDQ hash that is not matched for its quality."""
        has = np.array([h is not None for h in self.variants.hashes["pdq"]], dtype=np.bool_)
        bad = has & ~self.variants.pdq_ok
        return int(bad[self.variant].sum()) if len(self) else 0


def _sql(dialect: str) -> str:
    key = f" || '{_SEP}' || ".join(f"coalesce(fe.{k}, '')" for k in HASH_KINDS)
    direction = " ".join(f"WHEN '{d.value}' THEN {i}" for i, d in enumerate(DIRECTIONS))
    if dialect == "postgresql":
        ts, mark = "CAST(EXTRACT(EPOCH FROM fe.ts) * 1000000 AS BIGINT)", "%(op)s"
        quality = "%(q)s"
    else:
        ts, mark, quality = "fe.ts", ":op", ":q"
    ok = f"CASE WHEN {quality} <= 0 OR fe.pdq_quality >= {quality} THEN '1' ELSE '0' END"
    return (
        f"SELECT fe.id, fe.account_id, {ts}, CASE fe.direction {direction} ELSE -1 END, "
        f"{key} || '{_SEP}' || {ok} FROM file_event fe "
        f"WHERE fe.account_id IN (SELECT id FROM account WHERE operation_id = {mark})"
    )


@dataclass
class _Columns:
    """Event columns as numpy chunks, and the variant keys seen so far (first-seen order)."""

    parts: list[list[np.ndarray]]
    variant: list[np.ndarray]
    first: dict[str, int]
    rows: int = 0

    def add(self, rows: list[Any]) -> None:
        n = len(rows)
        for part, get, dtype in zip(self.parts, _GETTERS, _DTYPES, strict=True):
            if dtype is None:
                part.append(_ts_micros(list(map(get, rows))))
            else:
                part.append(np.fromiter(map(get, rows), dtype, n))
        # A new key's number is its position among the rows read (made dense later).
        start = self.rows
        numbers = map(self.first.setdefault, map(_KEY, rows), range(start, start + n))
        self.variant.append(np.fromiter(numbers, np.int64, n))
        self.rows += n


_GETTERS = tuple(itemgetter(i) for i in range(4))
#: Of the event id, account id, timestamp (``None``: text or number, see ``_ts_micros``), direction.
_DTYPES = (np.int64, np.int64, None, np.int8)
_KEY = itemgetter(4)


def _fetch(store: Store, operation_id: int, min_quality: int, progress: Progress) -> _Columns:
    """The rows, a chunk at a time, as numpy columns: no Python object per event is kept."""
    cols = _Columns([[] for _ in range(4)], [], {})
    with store.engine.connect() as conn, progress.task("reading file events") as task:
        raw = conn.connection.driver_connection
        assert raw is not None
        cur = raw.cursor()
        try:
            cur.execute(_sql(conn.dialect.name), {"op": operation_id, "q": min_quality})
            while rows := cur.fetchmany(_CHUNK):
                cols.add(rows)
                task.advance(len(rows))
        finally:
            cur.close()
    return cols


def _ts_micros(values: list[Any]) -> np.ndarray:
    if values and isinstance(values[0], str):
        try:
            arr = pa.array(values, pa.string()).cast(pa.timestamp("us"))
            return np.asarray(arr.cast(pa.int64()).to_numpy(zero_copy_only=False), np.int64)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return np.array(values, dtype="datetime64[us]").astype(np.int64)
    return np.array(values, dtype=np.int64)


def _variants(
    raw: np.ndarray, first: dict[str, int], in_order: bool
) -> tuple[np.ndarray, Variants]:
    """Each event's variant row, and the variants (first-seen order of the events).

    ``raw`` holds each event's number of its hash key in ``first`` (key -> the position of
    its first row as read); ``in_order``: the events are in the order they were read."""
    numbers = np.fromiter(first.values(), np.int64, len(first))
    numbers.sort()
    if in_order:  # first seen = smallest number: the dense rank is the sorted position
        variant = np.searchsorted(numbers, raw).astype(np.int64)
    else:
        numbers, at, inverse = np.unique(raw, return_index=True, return_inverse=True)
        seen = np.argsort(at, kind="stable")
        rank = np.empty(len(numbers), dtype=np.int64)
        rank[seen] = np.arange(len(numbers), dtype=np.int64)
        variant, numbers = rank[inverse.reshape(-1)], numbers[seen]
    key_of = {n: k for k, n in first.items()}
    hashes: dict[str, list[str | None]] = {k: [] for k in HASH_KINDS}
    ok = np.zeros(len(numbers), dtype=np.bool_)
    for v, number in enumerate(numbers.tolist()):
        key = key_of[number]
        parts = key.split(_SEP)
        if len(parts) != len(HASH_KINDS) + 1:
            raise StoreError(f"a file event hash contains {_SEP!r}: {key!r}")
        for kind, text in zip(HASH_KINDS, parts, strict=False):
            hashes[kind].append(text.strip().lower() or None)
        ok[v] = parts[-1] == "1"
    return variant, Variants(hashes, ok)


def _id_order(ids: np.ndarray) -> np.ndarray | None:
    """The permutation that sorts ``ids``, or ``None`` when they are sorted already."""
    if len(ids) < 2 or bool(np.all(ids[1:] > ids[:-1])):
        return None
    return np.argsort(ids, kind="stable")


def read_file_events(
    store: Store, operation_id: int, min_quality: int, progress: Progress
) -> EventTable:
    """Every file event of the operation, in id order; PDQ hashes of quality below
    ``min_quality`` (or of unknown quality when it is above 0) are marked not matchable."""
    got = _fetch(store, operation_id, min_quality, progress)
    event_id, *cols = (_joined(p, np.int64) for p in got.parts)
    raw = _joined(got.variant, np.int64)
    order = _id_order(event_id)
    if order is not None:  # variants are numbered in first-seen order of the ids
        event_id, cols, raw = event_id[order], [c[order] for c in cols], raw[order]
    variant, variants = _variants(raw, got.first, order is None)
    return EventTable(event_id, cols[0], cols[1], cols[2].astype(np.int8), variant, variants)


def _joined(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)
