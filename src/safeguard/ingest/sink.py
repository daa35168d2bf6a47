"""Where checked Arrow columns go: the store's event tables, without a per-row Python step.

A :class:`ColumnSink` takes a table's accepted rows column-wise (:meth:`~ColumnSink.append`,
on the loader's writer thread) and makes them rows of the store's table by the time the
table is :meth:`~ColumnSink.publish`-ed, inside the delivery's transaction.

- PostgreSQL (:class:`CopySink`): ``COPY ... (FORMAT csv)`` of text written by Arrow's CSV
  writer a slice at a time, straight into the table. Strings are always quoted and NULL is
  the bare empty field, which is exactly PostgreSQL's reading of ``""`` (empty text) versus
  NULL.
- SQLite (:class:`StagingSink`): Arrow batches are appended by the ADBC SQLite driver (C,
  binding straight from Arrow's buffers, without holding the GIL) to a private staging
  database per table, which nothing else reads. Publishing attaches that file to the
  store's connection and copies the rows with one ``INSERT ... SELECT``, in SQLite's own
  code: about three times cheaper than binding every value from Python, and the loader's
  checks of the next batch run alongside. A big table is also published every
  :data:`EARLY_ROWS` rows while it loads (as far as SQLite's limit on attached databases
  allows: files stay attached until the transaction ends), so that copying overlaps the
  checks instead of following them. Row order, and so id order, is the delivered order.
  The staging files are removed when the sink closes; the store never depends on them (a
  killed ingest leaves them behind, and the next ingest removes them).

Only for tables whose every column the caller gives (no Python-side defaults to fill in).
A non-array value is one constant for every row of the table.
"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Connection

from safeguard.errors import StoreError
from safeguard.progress import NULL_PROGRESS, Progress
from safeguard.store.db import PAGE_SIZE

__all__ = ["EARLY_ROWS", "SLICE_ROWS", "ColumnSink", "CopySink", "StagingSink", "column_sink"]

#: Rows written as CSV text at a time (PostgreSQL): bounds the memory of one write.
SLICE_ROWS = 50_000
_CSV = pacsv.WriteOptions(include_header=False, batch_size=SLICE_ROWS)
#: Staging databases: the store's page size (see ``store.db``); no journal and no syncs, as
#: nothing reads them after a crash.
_STAGING_PRAGMAS = (f"page_size={PAGE_SIZE}", "journal_mode=OFF", "synchronous=OFF")
#: Staged rows of one table after which they are published while the table still loads.
EARLY_ROWS = 1_000_000
#: Attachments kept free for the final publish of each event table (fewer as tables finish).
_RESERVED_ATTACHMENTS = 3


class ColumnSink(Protocol):
    def append(
        self, conn: Connection, table: str, columns: Sequence[str], values: Sequence[Any]
    ) -> None:
        """Take rows given column-wise (Arrow arrays of equal length, or constants)."""
        ...

    def publish(self, conn: Connection, tables: Iterable[str]) -> None:
        """Make every row taken for ``tables`` a row of the store's table (in ``conn``'s
        transaction); no more rows may be appended to them."""
        ...

    @property
    def pending(self) -> list[str]:
        """Tables with rows taken but not yet published."""
        ...

    def close(self) -> None:
        """Release what the sink holds (after the transaction has ended)."""
        ...


def _names(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def _arrow_table(columns: Sequence[str], values: Sequence[Any]) -> pa.Table:
    lengths = {len(v) for v in values if isinstance(v, pa.Array)}
    if len(lengths) != 1:
        raise ValueError(f"column arrays of different lengths {sorted(lengths)}")
    n = lengths.pop()
    arrays = [v if isinstance(v, pa.Array) else pa.repeat(pa.scalar(v), n) for v in values]
    return pa.table(arrays, names=list(columns))


class CopySink:
    """PostgreSQL: rows are copied into the table as they come (COPY from Arrow CSV text)."""

    def append(
        self, conn: Connection, table: str, columns: Sequence[str], values: Sequence[Any]
    ) -> None:
        data = _arrow_table(columns, values)
        if data.num_rows == 0:
            return
        raw = conn.connection.driver_connection
        assert raw is not None
        sql = f"COPY {table} ({_names(columns)}) FROM STDIN (FORMAT csv)"
        with raw.cursor() as cur, cur.copy(sql) as copy:
            for start in range(0, data.num_rows, SLICE_ROWS):
                buf = io.BytesIO()
                pacsv.write_csv(data.slice(start, SLICE_ROWS), buf, _CSV)
                copy.write(buf.getbuffer())

    def publish(self, conn: Connection, tables: Iterable[str]) -> None:
        return None

    @property
    def pending(self) -> list[str]:
        return []

    def close(self) -> None:
        return None

    def __enter__(self) -> CopySink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class _Staged:
    """One table's staging database while rows are appended to it."""

    path: Path
    schema: str
    columns: list[str]
    constants: dict[str, Any]
    connection: Any  # adbc_driver_manager.dbapi.Connection
    rows: int = 0


class StagingSink:
    """SQLite: rows are appended to a staging database per table and copied into the store
    when the table is published. ``directory`` is private to one ingest."""

    def __init__(self, directory: Path, progress: Progress = NULL_PROGRESS) -> None:
        self.directory = directory
        self._progress = progress
        self._open: dict[str, _Staged] = {}
        self._started = 0
        self._attached = 0
        self._finished: set[str] = set()

    @classmethod
    def create(cls, parent: Path, progress: Progress = NULL_PROGRESS) -> StagingSink:
        """A sink in a new directory under ``parent``, after removing what killed ingests
        left there."""
        parent.mkdir(parents=True, exist_ok=True)
        remove_stale(parent)
        directory = Path(tempfile.mkdtemp(prefix=f"ingest-{os.getpid()}-", dir=parent))
        return cls(directory, progress)

    def append(
        self, conn: Connection, table: str, columns: Sequence[str], values: Sequence[Any]
    ) -> None:
        """Append to ``table``'s staging database; past :data:`EARLY_ROWS` rows, publish
        what is staged (through ``conn``) when another attachment can be spared."""
        if len(columns) != len(values):
            raise ValueError(f"{table}: {len(columns)} columns but {len(values)} values")
        arrays = {c: v for c, v in zip(columns, values, strict=True) if isinstance(v, pa.Array)}
        constants = {c: v for c, v in zip(columns, values, strict=True) if c not in arrays}
        staged = self._open.get(table)
        if staged is None:
            staged = self._start(table, list(columns), constants)
        elif staged.columns != list(columns) or staged.constants != constants:
            raise ValueError(f"{table}: appended with other columns or constants than before")
        data = _arrow_table(list(arrays), list(arrays.values()))
        if data.num_rows:
            with staged.connection.cursor() as cur:
                cur.adbc_ingest(table, data, mode="append")
            staged.rows += data.num_rows
        reserve = max(_RESERVED_ATTACHMENTS - len(self._finished), len(self._open))
        if staged.rows >= EARLY_ROWS and self._can_attach(conn, reserve + 1):
            self._copy(conn, table)

    def _can_attach(self, conn: Connection, count: int) -> bool:
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        return self._attached + count <= raw.getlimit(sqlite3.SQLITE_LIMIT_ATTACHED)

    def _start(self, table: str, columns: list[str], constants: dict[str, Any]) -> _Staged:
        import adbc_driver_sqlite.dbapi as adbc_sqlite

        n = self._started
        self._started += 1
        path = self.directory / f"{n}-{table}.db"
        connection = adbc_sqlite.connect(str(path), autocommit=True)
        with connection.cursor() as cur:
            for pragma in _STAGING_PRAGMAS:
                cur.execute(f"PRAGMA {pragma}")
            staged_columns = ", ".join(f'"{c}"' for c in columns if c not in constants)
            cur.execute(f'CREATE TABLE "{table}" ({staged_columns})')
        staged = _Staged(path, f"staging_{n}", columns, constants, connection)
        self._open[table] = staged
        return staged

    def publish(self, conn: Connection, tables: Iterable[str]) -> None:
        for table in tables:
            self._finished.add(table)
            self._copy(conn, table)

    def _copy(self, conn: Connection, table: str) -> None:
        """Copy what is staged for ``table`` into the store (nothing when nothing is)."""
        staged = self._open.pop(table, None)
        if staged is None:
            return
        # Closed before the store's connection opens the file: two copies of SQLite (the
        # driver's and Python's) must never have it open at once.
        staged.connection.close()
        if not self._can_attach(conn, 1):
            raise StoreError(f"{table}: no more staging databases can be attached")
        conn.exec_driver_sql(f'ATTACH DATABASE ? AS "{staged.schema}"', (str(staged.path),))
        self._attached += 1
        select = ", ".join("?" if c in staged.constants else f'"{c}"' for c in staged.columns)
        params = tuple(staged.constants[c] for c in staged.columns if c in staged.constants)
        description = f"ingest: copy {staged.rows:,} rows of {table} into the store"
        with self._progress.task(description, staged.rows) as task:
            conn.exec_driver_sql(
                f'INSERT INTO main."{table}" ({_names(staged.columns)})'
                f' SELECT {select} FROM "{staged.schema}"."{table}" ORDER BY rowid',
                params,
            )
            task.advance(staged.rows)

    @property
    def pending(self) -> list[str]:
        """Tables with rows appended but not yet published."""
        return list(self._open)

    def close(self) -> None:
        """Remove the staging files (the store's connection has detached them by now)."""
        for staged in self._open.values():
            staged.connection.close()
        self._open.clear()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> StagingSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def remove_stale(parent: Path) -> None:
    """Remove staging directories of ingests whose process is gone (killed mid-load)."""
    for entry in parent.glob("ingest-*-*"):
        try:
            pid = int(entry.name.split("-")[1])
        except (IndexError, ValueError):
            continue
        if pid != os.getpid() and not _alive(pid):
            shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def column_sink(
    dialect: str, staging_parent: Path, progress: Progress = NULL_PROGRESS
) -> CopySink | StagingSink:
    """The sink for a store of ``dialect``: staging files under ``staging_parent`` on SQLite."""
    if dialect == "postgresql":
        return CopySink()
    return StagingSink.create(staging_parent, progress)
