"""What a delivery format writes through while it loads one delivery."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection

from safeguard.ingest.indexes import Deferred
from safeguard.ingest.quarantine import Quarantine
from safeguard.ingest.sink import ColumnSink, CopySink
from safeguard.ingest.writer import Writer
from safeguard.progress import NULL_PROGRESS, Progress

__all__ = ["IngestContext", "TableCounts"]


@dataclass
class TableCounts:
    """Per table: rows stored, rows refused, values dropped from stored rows."""

    accepted: int = 0
    quarantined: int = 0
    values_dropped: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "accepted": self.accepted,
            "quarantined": self.quarantined,
            "values_dropped": self.values_dropped,
        }


@dataclass
class IngestContext:
    """The open transaction, the delivery's ids, the quarantine and the counts.

    Bulk writes may go to a background :class:`Writer` (:meth:`write`); :attr:`conn` waits
    for them first, so anything else done on the connection comes after them. Event rows go
    column-wise to the :class:`ColumnSink` (:meth:`store_columns`) and are in their store
    table once it is published (:meth:`publish`, :meth:`tables_done`).
    """

    connection: Connection
    operation_id: int
    delivery_id: int
    platform: str
    quarantine: Quarantine
    progress: Progress = NULL_PROGRESS
    tables: dict[str, TableCounts] = field(default_factory=dict)
    records: Counter[str] = field(default_factory=Counter)
    account_keys: pa.Array = field(default_factory=lambda: pa.array([], pa.string()))
    account_ids: pa.Array = field(default_factory=lambda: pa.array([], pa.int64()))
    account_regions: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    writer: Writer | None = None
    deferred: Deferred | None = None
    sink: ColumnSink = field(default_factory=CopySink)
    rejection: Callable[[], None] = lambda: None

    @property
    def conn(self) -> Connection:
        """The connection, once every write handed to the writer is done."""
        if self.writer is not None:
            self.writer.drain()
        return self.connection

    def write(self, write: Callable[..., Any], *args: Any) -> None:
        """Run ``write(connection, *args)`` on the writer thread (or now, without one)."""
        if self.writer is None:
            write(self.connection, *args)
        else:
            self.writer.submit(write, self.connection, *args)

    def raise_if_rejected(self) -> None:
        """Raise if the delivery has already been found unacceptable (by ``rejection``,
        which checks the files being verified in the background)."""
        self.rejection()

    def store_columns(self, table: str, columns: Sequence[str], values: Sequence[Any]) -> None:
        """Hand rows given column-wise (Arrow arrays, or one constant) to the sink."""
        self.write(self.sink.append, table, columns, values)

    def publish(self, *tables: str) -> None:
        """Make the rows handed to the sink for ``tables`` rows of the store's tables before
        anything else is done on the connection (no more rows may go to them)."""
        self.write(self.sink.publish, tables)

    def tables_done(self, *tables: str) -> None:
        """No more rows go to ``tables`` in this delivery: publish them and rebuild their
        deferred indexes (on the writer thread, in order, while the loader goes on)."""
        self.publish(*tables)
        if self.deferred is not None:
            self.write(self.deferred.rebuild, tables)

    def counts(self, table: str) -> TableCounts:
        return self.tables.setdefault(table, TableCounts())

    def set_accounts(self, mapping: dict[str, int]) -> None:
        """Platform account id -> our account id, for resolving references in events."""
        self.account_keys = pa.array(list(mapping), pa.string())
        self.account_ids = pa.array(list(mapping.values()), pa.int64())

    def summary(self) -> dict[str, Any]:
        return {name: c.as_dict() for name, c in sorted(self.tables.items())}
