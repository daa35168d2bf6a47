"""Column-wise writes keep values exact on both databases: NULL stays NULL, empty text stays
empty, and quotes, commas, newlines and non-ASCII text come back as delivered."""

from __future__ import annotations

import pyarrow as pa
import pytest
from sqlalchemy import insert, text

from safeguard.ingest import sink
from safeguard.ingest.sink import insert_columns
from safeguard.store.db import Store
from safeguard.store.models import Delivery

TRICKY = ['he said "hi", then\nleft', "", None, "naïve, ☃ \\N", "\r\n", "NULL"]


def _delivery(store: Store, op: int) -> int:
    with store.transaction() as conn:
        key = conn.execute(
            insert(Delivery).values(
                operation_id=op, format="t", checksum="c", platform="p", source_agency="s",
                ingested_by="", grading_source="", grading_intelligence="", grading_handling="",
                grading_conditions="", manifest={}, report={},
            )
        ).inserted_primary_key  # fmt: skip
    assert key is not None
    return int(key[0])


def test_values_round_trip_exactly(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sink, "SLICE_ROWS", 4)  # more than one slice
    op = store.operation_id("op", create=True)
    delivery = _delivery(store, op)
    n = len(TRICKY)
    ids = pa.array([f"m{i}" for i in range(n)])
    ts = pa.array(["2020-01-01 00:00:00.000000"] * n)
    with store.transaction() as conn:
        conn.execute(
            text(
                "INSERT INTO account (operation_id, delivery_id, platform, platform_account_id,"
                " attributes) VALUES (:o, :d, 'p', 'a1', '{}')"
            ),
            {"o": op, "d": delivery},
        )
        account = conn.execute(text("SELECT id FROM account")).scalar_one()
        columns = ("delivery_id", "platform_message_id", "ts", "sender_account_id",
                   "recipient_platform_ids", "text")  # fmt: skip
        recipients = pa.array([v if v is not None else "" for v in TRICKY])
        values = [delivery, ids, ts, account, recipients, pa.array(TRICKY, pa.string())]
        assert insert_columns(conn, "message", columns, values) == n
    with store.transaction() as conn:
        rows = conn.execute(
            text("SELECT recipient_platform_ids, text FROM message ORDER BY platform_message_id")
        ).all()
    assert [r[1] for r in rows] == TRICKY
    assert [r[0] for r in rows] == [v if v is not None else "" for v in TRICKY]


def test_mismatched_columns_are_refused(store: Store) -> None:
    with store.transaction() as conn, pytest.raises(ValueError):
        insert_columns(conn, "message", ("a", "b"), [pa.array([1]), pa.array([1, 2])])
