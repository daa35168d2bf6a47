"""Checking one batch of a table: required values refuse the row, bad optional values are dropped.

Every refusal and every dropped value is written to the quarantine with its line and column.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from safeguard.ingest.checks import Issue, Mask, mask
from safeguard.ingest.context import IngestContext
from safeguard.ingest.quarantine import raw_text
from safeguard.ingest.reasons import Reason
from safeguard.ingest.tables import TableBatch

__all__ = ["BatchCheck"]

#: Rows converted to Python objects at a time when writing.
_SLICE = 20_000


class BatchCheck:
    """Validation state of one :class:`TableBatch` of ``file``."""

    def __init__(self, ctx: IngestContext, file: str, tb: TableBatch) -> None:
        self.ctx = ctx
        self.file = file
        self.batch = tb.batch
        self.lines = tb.lines
        self.size = tb.batch.num_rows
        self.reject: Mask = np.zeros(self.size, dtype=np.bool_)
        self._counts = ctx.counts(file)
        for bad in tb.bad:
            raw = raw_text({"record": bad.text})
            line = bad.line if bad.line is not None else 0
            reason = Reason.BAD_ENCODING if bad.encoding else Reason.BAD_ROW
            ctx.quarantine.add(file, line, "", reason, value=bad.detail, raw=raw)
            self._counts.quarantined += 1
        if tb.bad_encoding is not None:
            self.refuse(tb.bad_encoding, tb.bad_encoding_column, Reason.BAD_ENCODING)
        for column, rows in tb.not_scalar.items():
            self.refuse(rows, column, Reason.NOT_SCALAR)

    def column(self, name: str) -> pa.Array:
        """The named column, or all nulls when the table does not have it."""
        if name in self.batch.schema.names:
            col = self.batch.column(name)
            return col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
        return pa.nulls(self.size, pa.string())

    def refuse(self, where: Mask, column: str, reason: Reason) -> None:
        """Refuse the rows selected by ``where`` (not already refused)."""
        fresh = where & ~self.reject
        if fresh.any():
            self.ctx.quarantine.add_batch(
                self.file, self.batch, self.lines, where=fresh, column=column, reason=reason
            )
            self.reject |= fresh

    def required(self, column: str, values: pa.Array, issues: Sequence[Issue] = ()) -> pa.Array:
        """``values`` of a required column: missing or bad values refuse the row."""
        self.refuse(mask(pc.is_null(self.column(column))), column, Reason.MISSING_VALUE)
        for where, reason in issues:
            self.refuse(where, column, reason)
        return values

    def optional(self, column: str, values: pa.Array, issues: Sequence[Issue] = ()) -> pa.Array:
        """``values`` of an optional column with the bad ones dropped (and quarantined)."""
        dropped: Mask = np.zeros(self.size, dtype=np.bool_)
        for where, reason in issues:
            fresh = where & ~self.reject & ~dropped
            if fresh.any():
                self.ctx.quarantine.add_batch(
                    self.file, self.batch, self.lines, where=fresh, column=column, reason=reason
                )
                self._counts.values_dropped += int(fresh.sum())
                dropped |= fresh
        if not dropped.any():
            return values
        return pc.if_else(pa.array(dropped), pa.scalar(None, values.type), values)

    def accepted(self) -> Mask:
        return ~self.reject

    def kept(self, values: pa.Array) -> tuple[pa.Array, pa.Array]:
        """``values`` and line numbers of the rows accepted so far."""
        keep = pa.array(self.accepted())
        return values.filter(keep), pa.array(self.lines).filter(keep)

    def _kept(self, columns: Sequence[pa.Array | Any]) -> tuple[list[pa.Array | Any], int]:
        """The accepted rows of ``columns``, counted as accepted (the rest as quarantined)."""
        refused = int(self.reject.sum())
        count = self.size - refused
        self._counts.accepted += count
        self._counts.quarantined += refused
        if not refused:
            return list(columns), count
        keep = pa.array(self.accepted())
        return [c.filter(keep) if isinstance(c, pa.Array) else c for c in columns], count

    def rows(self, columns: Sequence[pa.Array | Any]) -> Iterator[tuple[Any, ...]]:
        """Accepted rows as tuples, converted to Python a slice at a time (bounded memory);
        a non-array entry is a constant for every row."""
        kept, count = self._kept(columns)
        return self._slices(kept, count)

    def store(self, table: str, names: Sequence[str], columns: Sequence[pa.Array | Any]) -> int:
        """Hand the accepted rows of ``columns`` to the context's sink for ``table``
        (on the writer thread, if any); return the count."""
        kept, count = self._kept(columns)
        if count:
            self.ctx.store_columns(table, names, kept)
        return count

    @staticmethod
    def _slices(columns: list[pa.Array | Any], count: int) -> Iterator[tuple[Any, ...]]:
        for start in range(0, count, _SLICE):
            n = min(_SLICE, count - start)
            lists = [
                c.slice(start, n).to_pylist() if isinstance(c, pa.Array) else [c] * n
                for c in columns
            ]
            yield from zip(*lists, strict=True)
