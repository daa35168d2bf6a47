"""Streaming readers of delivery tables: every column as nullable strings, in record batches.

CSV (RFC 4180, header row, UTF-8 with an optional BOM) is read with ``pyarrow.csv``'s
streaming reader; JSON Lines line by line; Parquet by row group. Records that cannot be
read are handed back as :class:`BadRecord` (quarantined by the caller), never silently
dropped; values that are not UTF-8 are flagged per row. A file that cannot be read at all
raises :class:`~safeguard.errors.DeliveryRejected`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from safeguard.errors import DeliveryRejected

__all__ = [
    "JSONL_BATCH",
    "MAX_COLUMNS",
    "TABLE_SUFFIXES",
    "BadRecord",
    "TableBatch",
    "read_csv",
    "read_header",
    "read_jsonl",
    "read_parquet",
    "read_table",
]

#: File name endings of the tables a delivery may hold.
TABLE_SUFFIXES = (".csv", ".jsonl", ".parquet")
#: A table with more columns than this is refused (hostile input guard).
MAX_COLUMNS = 1000
#: Largest header line read when looking for the column names.
_MAX_HEADER_BYTES = 1 << 20
#: CSV bytes parsed at a time; also the longest record a CSV table may hold. pyarrow reads
#: about 35 blocks ahead of the loader, so this bounds ingest memory too.
_BLOCK_SIZE = 12 << 20


@dataclass(frozen=True)
class BadRecord:
    """A record that could not be read; ``encoding`` when it is not valid UTF-8."""

    line: int | None
    text: str
    detail: str
    encoding: bool = False


@dataclass
class TableBatch:
    """A batch of records with the line number of each (header = line 1)."""

    batch: pa.RecordBatch
    lines: npt.NDArray[np.int64]
    bad: list[BadRecord] = field(default_factory=list)
    #: Rows holding bytes that are not UTF-8 (shown with backslash escapes), and one such column.
    bad_encoding: npt.NDArray[np.bool_] | None = None
    bad_encoding_column: str = ""
    #: Per column, the rows whose first value that is an object or array (JSON Lines) or a
    #: nested value (Parquet) is in it; such values are shown as JSON text.
    not_scalar: dict[str, npt.NDArray[np.bool_]] = field(default_factory=dict)


def _lines(first: int, count: int, bad: list[BadRecord]) -> npt.NDArray[np.int64]:
    lines = np.arange(first, first + count, dtype=np.int64)
    for number in sorted(b.line for b in bad if b.line is not None):
        lines[lines >= number] += 1
    return lines


def _csv_bytes(batch: pa.RecordBatch, bad: list[BadRecord]) -> int:
    """About how many bytes of CSV text ``batch`` came from: its values, one separator per
    field and the refused records (quotes are not counted)."""
    values: int = sum(c.buffers()[2].size for c in batch.columns if c.buffers()[2] is not None)
    return values + int(batch.num_rows * batch.num_columns) + sum(len(b.text) for b in bad)


class _Consumed:
    """Progress of a CSV table as its batches are used (the reader itself reads far ahead)."""

    def __init__(self, path: Path, on_read: Callable[[int], None] | None) -> None:
        self._left = path.stat().st_size
        self._on_read = on_read

    def advance(self, n: int) -> None:
        step = max(0, min(n, self._left))
        self._left -= step
        if self._on_read and step:
            self._on_read(step)

    def finish(self) -> None:
        self.advance(self._left)


def read_header(path: Path) -> list[str]:
    """Column names from a CSV header row; refuses empty, over-wide or duplicate headers."""
    with path.open("rb") as fh:
        head = fh.read(_MAX_HEADER_BYTES)
    line = head.split(b"\n", 1)[0]
    if len(line) == len(head) == _MAX_HEADER_BYTES:
        raise DeliveryRejected(f"{path.name}: header row longer than {_MAX_HEADER_BYTES} bytes")
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DeliveryRejected(f"{path.name}: header row is not valid UTF-8") from None
    first = next(csv.reader(io.StringIO(text.rstrip("\r"))), [])
    names = [n.strip() for n in first]
    if not names or not any(names):
        raise DeliveryRejected(f"{path.name}: no header row")
    if len(names) > MAX_COLUMNS:
        raise DeliveryRejected(f"{path.name}: {len(names)} columns (at most {MAX_COLUMNS})")
    if len(set(names)) != len(names):
        raise DeliveryRejected(f"{path.name}: duplicate column names in the header")
    return names


def _decode_column(values: pa.Array) -> tuple[pa.Array, npt.NDArray[np.bool_]]:
    """Strings of a binary column; values that are not UTF-8 are escaped and flagged."""
    try:
        return values.cast(pa.string()), np.zeros(len(values), dtype=np.bool_)
    except pa.ArrowInvalid:
        pass
    out: list[str | None] = []
    bad = np.zeros(len(values), dtype=np.bool_)
    for i, raw in enumerate(values.to_pylist()):
        if raw is None:
            out.append(None)
            continue
        try:
            out.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(raw.decode("utf-8", errors="backslashreplace"))
            bad[i] = True
    return pa.array(out, pa.string()), bad


def _as_text(
    batch: pa.RecordBatch, lines: npt.NDArray[np.int64], bad: list[BadRecord]
) -> TableBatch:
    columns, flagged, first = [], np.zeros(batch.num_rows, dtype=np.bool_), ""
    for name, values in zip(batch.schema.names, batch.columns, strict=True):
        text, wrong = _decode_column(values)
        if wrong.any() and not first:
            first = name
        flagged |= wrong
        columns.append(text)
    out = pa.RecordBatch.from_arrays(columns, names=batch.schema.names)
    return TableBatch(out, lines, bad, flagged if first else None, first)


def read_table(path: Path, on_read: Callable[[int], None] | None = None) -> Iterator[TableBatch]:
    """Stream a table file (CSV, JSON Lines or Parquet) as batches of string columns."""
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return read_jsonl(path, on_read)
    if suffix == ".parquet":
        return read_parquet(path, on_read)
    return read_csv(path, on_read)


def read_csv(path: Path, on_read: Callable[[int], None] | None = None) -> Iterator[TableBatch]:
    """Stream a CSV table as :class:`TableBatch` es of string columns."""
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
        column_types={n: pa.binary() for n in names},
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
        null_values=[""],
    )
    source = path.open("rb")
    consumed = _Consumed(path, on_read)
    line = 2
    try:
        reader = pacsv.open_csv(source, read, parse, convert)
        for batch in reader:
            found, bad = bad, []
            yield _as_text(batch, _lines(line, batch.num_rows, found), found)
            consumed.advance(_csv_bytes(batch, found))  # once the caller is done with it
            line += batch.num_rows + len(found)
        if bad:
            empty = pa.RecordBatch.from_pylist([], schema=_text_schema(names))
            yield TableBatch(empty, _lines(line, 0, bad), bad)
        consumed.finish()
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        if "straddl" in str(exc):
            raise DeliveryRejected(
                f"{path.name}: a record is longer than {_BLOCK_SIZE >> 20} MB"
            ) from exc
        raise DeliveryRejected(f"{path.name}: cannot be read as CSV: {exc}") from exc
    finally:
        source.close()


def _text_schema(names: list[str]) -> pa.Schema:
    return pa.schema([(n, pa.string()) for n in names])


def _invalid_detail(row: Any) -> str:
    return f"expected {row.expected_columns} columns, found {row.actual_columns}"


#: JSON Lines records per batch.
JSONL_BATCH = 50_000


def _json_cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    return json.dumps(value, ensure_ascii=False)


@dataclass
class _JsonRecord:
    cells: dict[str, str | None]
    #: The first field holding an object or array, if any.
    not_scalar: str | None


def _jsonl_record(raw: bytes, number: int) -> _JsonRecord | BadRecord:
    try:
        text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError:
        return BadRecord(number, raw.decode("utf-8", "backslashreplace"), "not UTF-8", True)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        return BadRecord(number, text, f"not JSON: {exc.msg}")
    if not isinstance(doc, dict):
        return BadRecord(number, text, "not a JSON object")
    if len(doc) > MAX_COLUMNS:
        return BadRecord(number, text[:1000], f"{len(doc)} fields (at most {MAX_COLUMNS})")
    nested = next((str(k) for k, v in doc.items() if isinstance(v, (dict, list))), None)
    return _JsonRecord({str(k): _json_cell(v) for k, v in doc.items()}, nested)


def _jsonl_batch(rows: list[_JsonRecord], numbers: list[int], bad: list[BadRecord]) -> TableBatch:
    # An empty column keeps the row count when no record has any field ({} lines).
    names = list(dict.fromkeys(k for row in rows for k in row.cells)) or [""]
    columns = [pa.array([row.cells.get(n) for row in rows], pa.string()) for n in names]
    batch = pa.RecordBatch.from_arrays(columns, schema=_text_schema(names))
    out = TableBatch(batch, np.array(numbers, dtype=np.int64), bad)
    firsts = np.array([row.not_scalar or "" for row in rows], dtype=object)
    for name in {row.not_scalar for row in rows if row.not_scalar}:
        out.not_scalar[name] = np.asarray(firsts == name, dtype=np.bool_)
    return out


def read_jsonl(path: Path, on_read: Callable[[int], None] | None = None) -> Iterator[TableBatch]:
    """JSON Lines: one object per line (blank lines skipped); ``line`` is the physical line."""
    rows: list[_JsonRecord] = []
    numbers: list[int] = []
    bad: list[BadRecord] = []
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if on_read:
                on_read(len(raw))
            if not raw.strip():
                continue
            record = _jsonl_record(raw.rstrip(b"\r\n"), number)
            if isinstance(record, BadRecord):
                bad.append(record)
            else:
                rows.append(record)
                numbers.append(number)
            if len(rows) >= JSONL_BATCH:
                yield _jsonl_batch(rows, numbers, bad)
                rows, numbers, bad = [], [], []
    if rows or bad:
        yield _jsonl_batch(rows, numbers, bad)


def _nested(values: pa.Array) -> bool:
    t = values.type
    if pa.types.is_dictionary(t):
        t = t.value_type
    return bool(pa.types.is_nested(t))


def _parquet_text(values: pa.Array) -> pa.Array:
    if _nested(values):  # shown as JSON text; the rows holding a value are refused
        cells = [None if v is None else json.dumps(v, default=str) for v in values.to_pylist()]
        return pa.array(cells, pa.string())
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        text = values.cast(pa.string())
    elif pa.types.is_binary(values.type) or pa.types.is_large_binary(values.type):
        text, _ = _decode_column(values.cast(pa.binary()))
    else:
        text = pc.cast(values, pa.string())
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def read_parquet(path: Path, on_read: Callable[[int], None] | None = None) -> Iterator[TableBatch]:
    """Parquet: every column as text; ``line`` is the 1-based row number."""
    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DeliveryRejected(f"{path.name}: cannot be read as Parquet: {exc}") from exc
    names = pf.schema_arrow.names
    if len(names) > MAX_COLUMNS:
        raise DeliveryRejected(f"{path.name}: {len(names)} columns (at most {MAX_COLUMNS})")
    size, done, row = path.stat().st_size, 0, 1
    try:
        for batch in pf.iter_batches(batch_size=JSONL_BATCH):
            columns = [_parquet_text(c) for c in batch.columns]
            text = pa.RecordBatch.from_arrays(columns, schema=_text_schema(names))
            out = TableBatch(text, np.arange(row, row + batch.num_rows, dtype=np.int64))
            _flag_nested(out, batch)
            yield out
            row += batch.num_rows
            if on_read and pf.metadata.num_rows:
                step = size * batch.num_rows // pf.metadata.num_rows
                on_read(step)
                done += step
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
        raise DeliveryRejected(f"{path.name}: cannot be read as Parquet: {exc}") from exc


def _flag_nested(out: TableBatch, batch: pa.RecordBatch) -> None:
    """Flag the rows of ``out`` holding a value in a nested (struct, list, map) column."""
    flagged = np.zeros(batch.num_rows, dtype=np.bool_)
    for name, values in zip(batch.schema.names, batch.columns, strict=True):
        if _nested(values):
            held = values.is_valid().to_numpy(zero_copy_only=False) & ~flagged
            if held.any():
                out.not_scalar[name] = held
            flagged |= held
