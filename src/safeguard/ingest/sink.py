"""Writing checked Arrow columns to a store table without a per-row Python step.

SQLite: ``executemany`` fed straight from ``zip`` over each slice's Python lists (no row
tuples kept, no generator per row). PostgreSQL: ``COPY ... (FORMAT csv)`` of text written by
Arrow's CSV writer a slice at a time: strings are always quoted and NULL is the bare empty
field, which is exactly PostgreSQL's CSV reading of ``""`` (empty text) versus NULL.

Only for tables whose every column the caller gives (no Python-side defaults to fill in).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from itertools import repeat
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Connection

__all__ = ["SLICE_ROWS", "insert_columns"]

#: Rows converted (to Python lists or CSV text) at a time: bounds the memory of one write.
SLICE_ROWS = 50_000
_CSV = pacsv.WriteOptions(include_header=False, batch_size=SLICE_ROWS)


def _names(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def _sqlite(raw: Any, table: str, columns: Sequence[str], values: Sequence[Any], n: int) -> None:
    marks = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {table} ({_names(columns)}) VALUES ({marks})"
    cur = raw.cursor()
    try:
        for start in range(0, n, SLICE_ROWS):
            size = min(SLICE_ROWS, n - start)
            lists = [
                v.slice(start, size).to_pylist() if isinstance(v, pa.Array) else repeat(v, size)
                for v in values
            ]
            cur.executemany(sql, zip(*lists))  # noqa: B905 - repeat() has no length
    finally:
        cur.close()


def _arrow_table(columns: Sequence[str], values: Sequence[Any], n: int) -> pa.Table:
    arrays = [v if isinstance(v, pa.Array) else pa.repeat(pa.scalar(v), n) for v in values]
    return pa.table(arrays, names=list(columns))


def _postgres(raw: Any, table: str, columns: Sequence[str], values: Sequence[Any], n: int) -> None:
    data = _arrow_table(columns, values, n)
    sql = f"COPY {table} ({_names(columns)}) FROM STDIN (FORMAT csv)"
    with raw.cursor() as cur, cur.copy(sql) as copy:
        for start in range(0, n, SLICE_ROWS):
            buf = io.BytesIO()
            pacsv.write_csv(data.slice(start, SLICE_ROWS), buf, _CSV)
            copy.write(buf.getbuffer())


def insert_columns(
    conn: Connection, table: str, columns: Sequence[str], values: Sequence[pa.Array | Any]
) -> int:
    """Insert the rows given column-wise by ``values`` (Arrow arrays of equal length; a
    non-array entry is one constant for every row) inside the caller's transaction.

    Values are in storage form already (timestamps as text). Returns the number of rows.
    """
    if len(columns) != len(values):
        raise ValueError(f"{table}: {len(columns)} columns but {len(values)} values")
    lengths = {len(v) for v in values if isinstance(v, pa.Array)}
    if len(lengths) != 1:
        raise ValueError(f"{table}: column arrays of different lengths {sorted(lengths)}")
    n = lengths.pop()
    if n == 0:
        return 0
    raw = conn.connection.driver_connection
    assert raw is not None
    write = _postgres if conn.dialect.name == "postgresql" else _sqlite
    write(raw, table, columns, values, n)
    return n
