"""Deferred index maintenance for big loads (SQLite and PostgreSQL).

Inside the delivery's transaction the secondary (non-unique) indexes of the event tables
are dropped, the rows loaded, and the indexes created again from their stored definitions
before the commit (DDL is transactional in both, so a failure or a kill leaves the old
indexes in place). Building an index once over the loaded rows is much cheaper than keeping
it up to date row by row. Only done when the delivery is large relative to what the table
holds. On PostgreSQL the dropped index's table is locked against readers until the commit,
which is why only tables that the delivery at least doubles are touched. SQLite sorts for
the rebuild on a helper thread as well (``PRAGMA threads``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

from safeguard.progress import NULL_PROGRESS, Progress

__all__ = ["DEFERRED_TABLES", "ROW_BYTES", "deferred_indexes"]

#: Tables whose secondary indexes may be rebuilt after a load.
DEFERRED_TABLES = ("identifier", "login_event", "file_event", "message")
#: Rough bytes of delivered text per stored row, to estimate a delivery's rows from its size.
ROW_BYTES = 100


_SQLITE_INDEXES = (
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t AND sql IS NOT NULL"
)
_POSTGRES_INDEXES = (
    "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index x"
    " JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
    " WHERE t.relname = :t AND t.relnamespace = current_schema()::regnamespace"
    " AND NOT x.indisprimary AND NOT x.indisunique ORDER BY c.relname"
)
#: Worker threads SQLite may use to sort while it builds an index.
_SORT_THREADS = 2


def _indexes(conn: Connection, table: str) -> list[tuple[str, str]]:
    query = _POSTGRES_INDEXES if conn.dialect.name == "postgresql" else _SQLITE_INDEXES
    rows = conn.execute(text(query), {"t": table}).all()
    return [(str(name), str(sql)) for name, sql in rows]


def _worth_it(conn: Connection, table: str, new_rows: int) -> bool:
    """True when the table holds no more rows than the load is expected to add."""
    held = conn.execute(text(f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} LIMIT :n) AS held"),
                        {"n": new_rows + 1}).scalar_one()  # fmt: skip
    return int(held) <= new_rows


def _rebuild(conn: Connection, dropped: list[tuple[str, str]], progress: Progress) -> None:
    if not dropped:
        return
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        conn.execute(text(f"PRAGMA threads = {_SORT_THREADS}"))
    with progress.task("ingest: rebuild indexes", len(dropped)) as task:
        for _, sql in dropped:
            conn.execute(text(sql))
            task.advance(1)
    if sqlite:
        conn.execute(text("PRAGMA threads = 0"))


@contextmanager
def deferred_indexes(
    conn: Connection, delivered_bytes: int, progress: Progress = NULL_PROGRESS
) -> Iterator[list[str]]:
    """Drop, then rebuild, the event tables' indexes around the block.

    Yields the names of the indexes deferred. If the block raises, nothing is rebuilt: the
    caller's transaction rolls back and the drops with it.
    """
    new_rows = delivered_bytes // ROW_BYTES
    dropped: list[tuple[str, str]] = []
    for table in DEFERRED_TABLES:
        if _worth_it(conn, table, new_rows):
            dropped.extend(_indexes(conn, table))
    for name, _ in dropped:
        conn.execute(text(f'DROP INDEX "{name}"'))
    yield [name for name, _ in dropped]
    _rebuild(conn, dropped, progress)
