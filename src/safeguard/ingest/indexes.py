"""Deferred index (and, on PostgreSQL, foreign-key) maintenance for big loads.

Inside the delivery's transaction the secondary (non-unique) indexes of the event tables
are dropped, the rows loaded, and the indexes created again from their stored definitions
before the commit (DDL is transactional in SQLite and PostgreSQL, so a failure or a kill
leaves the old indexes in place). Building an index once over the loaded rows is much
cheaper than keeping it up to date row by row. On PostgreSQL the tables' foreign keys are
dropped and added back the same way: adding one checks every row in one join, where COPY
would check each row with its own lookup. Only done for tables that the delivery at least
doubles; on PostgreSQL such a table is locked against other readers until the commit.
SQLite sorts for the rebuild on a helper thread as well (``PRAGMA threads``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

from safeguard.progress import NULL_PROGRESS, Progress

__all__ = ["DEFERRED_TABLES", "ROW_BYTES", "Deferred", "deferred_indexes"]

#: Tables whose secondary indexes may be rebuilt after a load.
DEFERRED_TABLES = ("identifier", "login_event", "file_event", "message")
#: Rough bytes of delivered text per stored row, to estimate a delivery's rows from its size.
ROW_BYTES = 100


_POSTGRES_FOREIGN_KEYS = (
    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
    " WHERE conrelid = CAST(:t AS regclass) AND contype = 'f' ORDER BY conname"
)
_SQLITE_INDEXES = (
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t AND sql IS NOT NULL"
)
_POSTGRES_INDEXES = (
    "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index x"
    " JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
    " WHERE t.relname = :t AND t.relnamespace = current_schema()::regnamespace"
    " AND NOT x.indisprimary AND NOT x.indisunique ORDER BY c.relname"
)
#: SQLite page cache (KiB, as a negative PRAGMA value) while a delivery loads: rows are
#: appended, so a smaller cache than the store's default costs little time and memory.
_LOAD_CACHE = -64_000
#: Worker threads SQLite may use to sort while it builds an index.
_SORT_THREADS = 2


def _deferred(conn: Connection, table: str) -> list[tuple[str, str]]:
    """(drop, create) statements of what ``table`` may have rebuilt after a load."""
    if conn.dialect.name != "postgresql":
        rows = conn.execute(text(_SQLITE_INDEXES), {"t": table}).all()
        return [(f'DROP INDEX "{name}"', str(sql)) for name, sql in rows]
    out = [
        (f'DROP INDEX "{name}"', str(sql))
        for name, sql in conn.execute(text(_POSTGRES_INDEXES), {"t": table}).all()
    ]
    for name, definition in conn.execute(text(_POSTGRES_FOREIGN_KEYS), {"t": table}).all():
        out.append(
            (
                f'ALTER TABLE {table} DROP CONSTRAINT "{name}"',
                f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}',
            )
        )
    return out


def _worth_it(conn: Connection, table: str, new_rows: int) -> bool:
    """True when the table holds no more rows than the load is expected to add."""
    held = conn.execute(text(f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} LIMIT :n) AS held"),
                        {"n": new_rows + 1}).scalar_one()  # fmt: skip
    return int(held) <= new_rows


class Deferred:
    """What was dropped, per table; :meth:`rebuild` puts a table's back (once)."""

    def __init__(self, progress: Progress) -> None:
        self.dropped: dict[str, list[tuple[str, str]]] = {}
        self._progress = progress

    @property
    def statements(self) -> list[str]:
        return [drop for entries in self.dropped.values() for drop, _ in entries]

    def rebuild(self, conn: Connection, tables: Iterable[str]) -> None:
        """Create again what was dropped from ``tables`` (no more rows will go to them)."""
        todo = [(t, sql) for t in tables for _, sql in self.dropped.pop(t, [])]
        if not todo:
            return
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.execute(text(f"PRAGMA threads = {_SORT_THREADS}"))
        names = ", ".join(dict.fromkeys(t for t, _ in todo))
        with self._progress.task(f"ingest: rebuild indexes of {names}", len(todo)) as task:
            for _, sql in todo:
                conn.exec_driver_sql(sql)  # stored definitions may hold "::" casts
                task.advance(1)
        if sqlite:
            conn.execute(text("PRAGMA threads = 0"))


@contextmanager
def deferred_indexes(
    conn: Connection, delivered_bytes: int, progress: Progress = NULL_PROGRESS
) -> Iterator[Deferred]:
    """Drop, then rebuild, the event tables' indexes (and foreign keys) around the block.

    Yields the :class:`Deferred`; the block may rebuild a table's early (when it is done
    with it) and the rest are rebuilt on the way out. If the block raises, nothing is
    rebuilt: the caller's transaction rolls back and the drops with it.
    """
    if conn.dialect.name == "sqlite":
        with _sqlite_cache(conn):
            yield from _deferring(conn, delivered_bytes, progress)
    else:
        yield from _deferring(conn, delivered_bytes, progress)


@contextmanager
def _sqlite_cache(conn: Connection) -> Iterator[None]:
    before = conn.execute(text("PRAGMA cache_size")).scalar_one()
    conn.exec_driver_sql(f"PRAGMA cache_size = {_LOAD_CACHE}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def _deferring(conn: Connection, delivered_bytes: int, progress: Progress) -> Iterator[Deferred]:
    new_rows = delivered_bytes // ROW_BYTES
    deferred = Deferred(progress)
    for table in DEFERRED_TABLES:
        if _worth_it(conn, table, new_rows):
            deferred.dropped[table] = _deferred(conn, table)
    for drop in deferred.statements:
        conn.exec_driver_sql(drop)
    yield deferred
    deferred.rebuild(conn, list(deferred.dropped))
