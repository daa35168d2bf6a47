"""Batched bulk writes: executemany on SQLite, COPY on PostgreSQL.

Rows are tuples in the order of ``columns``, values already in storage form: timestamps as
naive-UTC text from :func:`ts_text` (or Arrow's ``strftime`` with :data:`TS_FORMAT`), JSON as
text from :func:`json_text`. Callers hold the transaction; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import Any

import orjson
from sqlalchemy import Connection, Table

from safeguard.store.models import Base

__all__ = ["TS_FORMAT", "bulk_insert", "json_text", "ts_text"]

#: Text form of a UTC timestamp that both SQLite (SQLAlchemy's format) and PostgreSQL accept.
TS_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def ts_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}")
    return value.astimezone(UTC).strftime(TS_FORMAT)


def json_text(value: Any) -> str:
    """Compact, key-sorted JSON text (non-JSON values such as dates become strings)."""
    return orjson.dumps(value, default=str, option=orjson.OPT_SORT_KEYS).decode()


def _batches(rows: Iterable[Sequence[Any]], size: int) -> Iterable[list[Sequence[Any]]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


def _quoted(column: str) -> str:
    """Quote every column name (``column``, ``user``... are reserved words in PostgreSQL)."""
    return f'"{column}"'


def _storage_form(value: Any) -> Any:
    if isinstance(value, datetime):
        return ts_text(value)
    if isinstance(value, dict | list):
        return json_text(value)
    return value


def _missing_defaults(table: str, columns: Sequence[str]) -> dict[str, Any]:
    """Python-side defaults of the model's columns the caller left out (raw SQL skips them)."""
    model: Table | None = Base.metadata.tables.get(table)
    if model is None:
        return {}
    out: dict[str, Any] = {}
    for col in model.columns:
        default = col.default
        if col.name in columns or col.primary_key or default is None:
            continue
        arg = getattr(default, "arg", None)
        value = arg(None) if callable(arg) else arg
        out[col.name] = _storage_form(value)
    return out


def bulk_insert(
    conn: Connection,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    batch_size: int = 50_000,
) -> int:
    """Insert ``rows`` into ``table`` inside the caller's transaction; return the count.

    Columns the caller leaves out get the model's Python-side default (the same value for
    every row of the call), as an ORM insert would.
    """
    extra = _missing_defaults(table, columns)
    if extra:
        columns = (*columns, *extra)
        tail = tuple(extra.values())
        rows = ((*row, *tail) for row in rows)
    cols = ", ".join(_quoted(c) for c in columns)
    raw = conn.connection.driver_connection
    assert raw is not None
    count = 0
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    marks = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"
    cur = raw.cursor()
    try:
        for batch in _batches(rows, batch_size):
            cur.executemany(sql, batch)
            count += len(batch)
    finally:
        cur.close()
    return count
