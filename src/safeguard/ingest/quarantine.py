"""The quarantine sink: refused rows and dropped values, written and counted as they are found."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from sqlalchemy import Connection

from safeguard.ingest.checks import Mask
from safeguard.ingest.reasons import REASON_TEXT, Reason
from safeguard.store.bulk import bulk_insert

__all__ = ["MAX_RAW_CHARS", "Quarantine"]

#: Quarantined raw rows and details are cut to this many characters (a 10 MB field stays out).
MAX_RAW_CHARS = 65_536
_MAX_VALUE_CHARS = 200
_COLUMNS = ("delivery_id", "file", "line", "column", "reason", "detail", "raw")
_FLUSH = 20_000


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"...[{len(text) - limit} more]"


def raw_text(row: dict[str, Any]) -> str:
    """The row as JSON text, NUL characters escaped, cut to :data:`MAX_RAW_CHARS`."""
    return _cut(json.dumps(row, ensure_ascii=False, default=str), MAX_RAW_CHARS).replace(
        "\x00", "\\u0000"
    )


class Quarantine:
    """Collects quarantine entries for one delivery and writes them in batches through the
    connection ``conn()`` returns (called at each write)."""

    def __init__(self, conn: Callable[[], Connection], delivery_id: int) -> None:
        self._conn = conn
        self._delivery_id = delivery_id
        self._pending: list[tuple[Any, ...]] = []
        self.reasons: Counter[tuple[str, str]] = Counter()

    def add(
        self, file: str, line: int, column: str, reason: Reason, *, value: str | None, raw: str
    ) -> None:
        """One entry: ``value`` is the offending value (if any), ``raw`` the whole row's text."""
        detail = REASON_TEXT[reason]
        if value is not None:
            detail += f": {_cut(value, _MAX_VALUE_CHARS)!r}".replace("\x00", "\\x00")
        self._pending.append(
            (self._delivery_id, file, int(line), column[:200], str(reason), detail, raw)
        )
        self.reasons[(file, str(reason))] += 1
        if len(self._pending) >= _FLUSH:
            self.flush()

    def add_batch(
        self,
        file: str,
        batch: pa.RecordBatch,
        lines: npt.NDArray[np.int64],
        *,
        where: Mask,
        column: str,
        reason: Reason,
    ) -> None:
        """Entries for the rows of ``batch`` selected by ``where``, blaming ``column``."""
        index = np.flatnonzero(where)
        if index.size == 0:
            return
        rows = batch.take(pa.array(index)).to_pylist()
        for i, row in zip(index, rows, strict=True):
            value = row.get(column)
            self.add(file, int(lines[i]), column, reason, value=value, raw=raw_text(row))

    def flush(self) -> None:
        if self._pending:
            bulk_insert(self._conn(), "quarantined_row", _COLUMNS, self._pending)
            self._pending = []
