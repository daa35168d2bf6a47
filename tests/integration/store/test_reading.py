"""Views read through ``Store.reading``: no transaction is left open, and the pooled
connection it used goes back to writers in transactions (a rollback still undoes)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from safeguard.store.db import Store
from safeguard.store.models import Operation


def _in_transaction(dbapi: Any) -> bool:
    """Whether the driver connection has a transaction open (sqlite3 or psycopg)."""
    if hasattr(dbapi, "in_transaction"):
        return bool(dbapi.in_transaction)
    import psycopg

    return bool(dbapi.info.transaction_status != psycopg.pq.TransactionStatus.IDLE)


def test_a_read_holds_no_transaction_and_writers_still_get_one(store: Store) -> None:
    with store.session() as s:
        s.add(Operation(name="kept"))
    for _ in range(3):  # every pooled connection the reads take
        with store.reading() as s:
            assert s.scalar(select(func.count()).select_from(Operation)) == 1
            assert not _in_transaction(s.connection().connection.driver_connection)
    with store.session() as s:
        s.add(Operation(name="undone"))
        s.flush()
        assert _in_transaction(s.connection().connection.driver_connection)
        s.rollback()
    with store.reading() as s:
        assert list(s.scalars(select(Operation.name))) == ["kept"]
