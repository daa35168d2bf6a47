"""Streaming readers of delivery tables: every column as nullable strings, in record batches.

CSV (RFC 4180, header row, UTF-8 with an optional BOM) is read with ``pyarrow.csv``'s
streaming reader. Records that cannot be split into the header's columns are handed back as
:class:`BadRecord` (quarantined by the caller), never silently dropped. A file that cannot be
read at all raises :class:`~safeguard.errors.DeliveryRejected`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pacsv

from safeguard.errors import DeliveryRejected

__all__ = [
    "MAX_COLUMNS",
    "TABLE_SUFFIXES",
    "BadRecord",
    "TableBatch",
    "read_header",
    "read_table",
]

#: File name endings of the tables a delivery may hold.
TABLE_SUFFIXES = (".csv",)
#: A table with more columns than this is refused (hostile input guard).
MAX_COLUMNS = 1000
#: Largest header line read when looking for the column names.
_MAX_HEADER_BYTES = 1 << 20
_BLOCK_SIZE = 8 << 20


@dataclass(frozen=True)
class BadRecord:
    line: int | None
    text: str
    detail: str


@dataclass
class TableBatch:
    """A batch of records with the line number of each (header = line 1)."""

    batch: pa.RecordBatch
    lines: npt.NDArray[np.int64]
    bad: list[BadRecord] = field(default_factory=list)


def _lines(first: int, count: int, bad: list[BadRecord]) -> npt.NDArray[np.int64]:
    lines = np.arange(first, first + count, dtype=np.int64)
    for number in sorted(b.line for b in bad if b.line is not None):
        lines[lines >= number] += 1
    return lines


class _Counting(io.RawIOBase):
    """A read-only binary file that reports how many bytes were read."""

    def __init__(self, raw: io.BufferedReader, on_read: Callable[[int], None]) -> None:
        self._raw = raw
        self._on_read = on_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer)
        if n:
            self._on_read(n)
        return n or 0

    def close(self) -> None:
        self._raw.close()
        super().close()


def read_header(path: Path) -> list[str]:
    """Column names from a CSV header row; refuses empty, over-wide or duplicate headers."""
    with path.open("rb") as fh:
        head = fh.read(_MAX_HEADER_BYTES)
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = head.decode("utf-8-sig", errors="ignore")
        if len(head) < _MAX_HEADER_BYTES:
            raise DeliveryRejected(f"{path.name}: header row is not valid UTF-8") from None
    first = next(csv.reader(io.StringIO(text.split("\n", 1)[0].rstrip("\r"))), [])
    names = [n.strip() for n in first]
    if not names or not any(names):
        raise DeliveryRejected(f"{path.name}: no header row")
    if len(names) > MAX_COLUMNS:
        raise DeliveryRejected(f"{path.name}: {len(names)} columns (at most {MAX_COLUMNS})")
    if len(set(names)) != len(names):
        raise DeliveryRejected(f"{path.name}: duplicate column names in the header")
    return names


def read_table(path: Path, on_read: Callable[[int], None] | None = None) -> Iterator[TableBatch]:
    """Stream a table file as :class:`TableBatch` es of string columns."""
    names = read_header(path)
    bad: list[BadRecord] = []

    def on_invalid(row: Any) -> str:
        bad.append(BadRecord(row.number, str(row.text), _invalid_detail(row)))
        return "skip"

    read = pacsv.ReadOptions(
        use_threads=False, block_size=_BLOCK_SIZE, column_names=names, skip_rows=1
    )
    parse = pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid)
    convert = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names},
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
        null_values=[""],
    )
    raw = path.open("rb")
    source: Any = _Counting(raw, on_read) if on_read else raw
    line = 2
    try:
        reader = pacsv.open_csv(source, read, parse, convert)
        for batch in reader:
            found, bad = bad, []
            yield TableBatch(batch, _lines(line, batch.num_rows, found), found)
            line += batch.num_rows + len(found)
        if bad:
            empty = pa.RecordBatch.from_pylist([], schema=reader.schema)
            yield TableBatch(empty, _lines(line, 0, bad), bad)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise DeliveryRejected(f"{path.name}: cannot be read as CSV: {exc}") from exc
    finally:
        source.close()


def _invalid_detail(row: Any) -> str:
    return f"expected {row.expected_columns} columns, found {row.actual_columns}"
