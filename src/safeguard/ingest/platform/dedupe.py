"""Duplicate event keys (``event_id``, ``message_id``): the first row stays, later ones move
to the quarantine as ``duplicate_key``.

Keys and line numbers of stored rows are kept as Arrow arrays while a table loads (a few bytes
a row), duplicates are found with one group-by at the end, and only then does SQL touch rows.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import text

from safeguard.ingest.context import IngestContext
from safeguard.ingest.quarantine import raw_text
from safeguard.ingest.reasons import Reason

__all__ = ["KeyTracker"]


class KeyTracker:
    """Remembers the keys of stored rows of one table and removes repeats at the end."""

    def __init__(self, table: str, key_column: str, delivered_column: str) -> None:
        self.table = table
        self.key_column = key_column
        self.delivered_column = delivered_column
        self._keys: list[pa.Array] = []
        self._lines: list[pa.Array] = []

    def add(self, keys: pa.Array, lines: pa.Array) -> None:
        self._keys.append(keys)
        self._lines.append(lines)

    def _repeats(self) -> pa.Table:
        if not self._keys:
            return pa.table({"k": pa.array([], pa.string()), "line": pa.array([], pa.int64())})
        seen = pa.table({"k": pa.chunked_array(self._keys), "line": pa.chunked_array(self._lines)})
        counts = seen.group_by("k").aggregate([("k", "count")])
        dup_keys = counts.filter(pc.greater(counts["k_count"], 1))["k"]
        if len(dup_keys) == 0:
            return seen.slice(0, 0)
        dups = seen.filter(pc.is_in(seen["k"], value_set=dup_keys.combine_chunks()))
        return dups.sort_by([("k", "ascending"), ("line", "ascending")])

    def finish(self, ctx: IngestContext, file: str) -> int:
        """Quarantine and delete every stored row whose key was already seen; return the count."""
        dups = self._repeats()
        self._keys, self._lines = [], []
        keys, lines = dups["k"].to_pylist(), dups["line"].to_pylist()
        later = [(k, ln) for i, (k, ln) in enumerate(zip(keys, lines, strict=True))
                 if i and keys[i - 1] == k]  # fmt: skip
        if not later:
            return 0
        for key, line in later:
            raw = raw_text({self.delivered_column: key, "line": line})
            ctx.quarantine.add(
                file, line, self.delivered_column, Reason.DUPLICATE_KEY, value=key, raw=raw
            )
        self._delete(ctx, sorted({k for k, _ in later}))
        counts = ctx.counts(file)
        counts.accepted -= len(later)
        counts.quarantined += len(later)
        return len(later)

    def _delete(self, ctx: IngestContext, keys: list[str]) -> None:
        t, k = self.table, self.key_column
        ctx.publish(t)
        ctx.conn.execute(text("CREATE TEMP TABLE IF NOT EXISTS ingest_dup_keys (k TEXT)"))
        ctx.conn.execute(text("DELETE FROM ingest_dup_keys"))
        ctx.conn.execute(
            text("INSERT INTO ingest_dup_keys (k) VALUES (:k)"), [{"k": x} for x in keys]
        )
        ctx.conn.execute(
            text(
                f"DELETE FROM {t} WHERE delivery_id = :d AND {k} IN (SELECT k FROM ingest_dup_keys)"
                f" AND id NOT IN (SELECT MIN(id) FROM {t} WHERE delivery_id = :d"
                f" AND {k} IN (SELECT k FROM ingest_dup_keys) GROUP BY {k})"
            ),
            {"d": ctx.delivery_id},
        )
        ctx.conn.execute(text("DROP TABLE ingest_dup_keys"))
