"""Deferred index maintenance for big loads on SQLite.

Inside the delivery's transaction the secondary indexes of the event tables are dropped,
the rows loaded, and the indexes created again from their stored definitions before the
commit (SQLite DDL is transactional, so a failure or a kill leaves the old indexes in
place). Building an index once over the loaded rows is much cheaper than keeping it up to
date row by row. Only done when the delivery is large relative to what the table holds;
on PostgreSQL, COPY into indexed tables is already fast and nothing changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

__all__ = ["DEFERRED_TABLES", "ROW_BYTES", "deferred_indexes"]

#: Tables whose secondary indexes may be rebuilt after a load.
DEFERRED_TABLES = ("identifier", "login_event", "file_event", "message")
#: Rough bytes of delivered text per stored row, to estimate a delivery's rows from its size.
ROW_BYTES = 100


def _indexes(conn: Connection, table: str) -> list[tuple[str, str]]:
    rows = conn.execute(
        text(
            "SELECT name, sql FROM sqlite_master"
            " WHERE type = 'index' AND tbl_name = :t AND sql IS NOT NULL"
        ),
        {"t": table},
    ).all()
    return [(str(name), str(sql)) for name, sql in rows]


def _worth_it(conn: Connection, table: str, new_rows: int) -> bool:
    """True when the table holds no more rows than the load is expected to add."""
    held = conn.execute(text(f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} LIMIT :n)"),
                        {"n": new_rows + 1}).scalar_one()  # fmt: skip
    return int(held) <= new_rows


@contextmanager
def deferred_indexes(conn: Connection, delivered_bytes: int) -> Iterator[list[str]]:
    """Drop, then rebuild, the event tables' indexes around the block (SQLite only).

    Yields the names of the indexes deferred. If the block raises, nothing is rebuilt: the
    caller's transaction rolls back and the drops with it.
    """
    if conn.dialect.name != "sqlite":
        yield []
        return
    new_rows = delivered_bytes // ROW_BYTES
    dropped: list[tuple[str, str]] = []
    for table in DEFERRED_TABLES:
        if _worth_it(conn, table, new_rows):
            dropped.extend(_indexes(conn, table))
    for name, _ in dropped:
        conn.execute(text(f'DROP INDEX "{name}"'))
    yield [name for name, _ in dropped]
    for _, sql in dropped:
        conn.execute(text(sql))
