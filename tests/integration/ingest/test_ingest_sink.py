"""Column-wise writes keep values exact on both databases: NULL stays NULL, empty text stays
empty, and quotes, commas, newlines and non-ASCII text come back as delivered; rows keep the
delivered order; SQLite's staging files never outlive the ingest."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import Connection, insert, text

from safeguard.ingest import sink
from safeguard.ingest.sink import StagingSink, column_sink
from safeguard.store.db import Store
from safeguard.store.models import Delivery
from tests.support.progress import RecordingProgress

TRICKY = ['he said "hi", then\nleft', "", None, "naïve, ☃ \\N", "\r\n", "NULL"]
COLUMNS = ("delivery_id", "platform_message_id", "ts", "sender_account_id",
           "recipient_platform_ids", "text")  # fmt: skip


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


def _account(conn: Connection, op: int, delivery: int) -> int:
    conn.execute(
        text(
            "INSERT INTO account (operation_id, delivery_id, platform, platform_account_id,"
            " attributes) VALUES (:o, :d, 'p', 'a1', '{}')"
        ),
        {"o": op, "d": delivery},
    )
    return int(conn.execute(text("SELECT MAX(id) FROM account")).scalar_one())


def _messages(delivery: int, account: int, start: int, texts: list[str | None]) -> list[object]:
    n = len(texts)
    ids = pa.array([f"m{start + i:04d}" for i in range(n)])
    ts = pa.array(["2020-01-01 00:00:00.000000"] * n)
    recipients = pa.array([v if v is not None else "" for v in texts])
    return [delivery, ids, ts, account, recipients, pa.array(texts, pa.string())]


def test_values_round_trip_exactly(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sink, "SLICE_ROWS", 4)  # more than one COPY slice on PostgreSQL
    op = store.operation_id("op", create=True)
    delivery = _delivery(store, op)
    with column_sink(store.dialect, tmp_path / "staging") as out, store.bulk_transaction() as conn:
        account = _account(conn, op, delivery)
        out.append(conn, "message", COLUMNS, _messages(delivery, account, 0, TRICKY))
        out.append(conn, "message", COLUMNS, _messages(delivery, account, 100, ["later"]))
        out.publish(conn, ["message"])
        assert out.pending == []
    with store.transaction() as conn:
        rows = conn.execute(
            text(
                "SELECT recipient_platform_ids, text, platform_message_id, delivery_id,"
                " sender_account_id FROM message ORDER BY id"
            )
        ).all()
    assert [r[1] for r in rows] == [*TRICKY, "later"]
    assert [r[0] for r in rows] == [v if v is not None else "" for v in TRICKY] + ["later"]
    assert [r[2] for r in rows] == sorted(r[2] for r in rows)  # ids follow the delivered order
    assert {(r[3], r[4]) for r in rows} == {(delivery, account)}  # constants on every row


def test_staged_rows_stay_out_of_the_store_until_published(
    sqlite_store: Store, tmp_path: Path
) -> None:
    store = sqlite_store  # PostgreSQL copies rows straight into the table
    op = store.operation_id("op", create=True)
    delivery = _delivery(store, op)
    with StagingSink.create(tmp_path / "staging") as out, store.bulk_transaction() as conn:
        account = _account(conn, op, delivery)
        out.append(conn, "message", COLUMNS, _messages(delivery, account, 0, ["a", "b"]))
        assert out.pending == ["message"]
        assert conn.execute(text("SELECT COUNT(*) FROM message")).scalar_one() == 0
        out.publish(conn, ["message"])
        # A table may be staged again after a publish (a new staging file).
        out.append(conn, "message", COLUMNS, _messages(delivery, account, 2, ["c"]))
        out.publish(conn, ["message"])
        assert conn.execute(text("SELECT COUNT(*) FROM message")).scalar_one() == 3
        staging_dir = out.directory
        assert any(staging_dir.iterdir())
    assert not staging_dir.exists()
    with store.transaction() as conn:
        names = [r[1] for r in conn.exec_driver_sql("PRAGMA database_list").all()]
        assert not [n for n in names if n.startswith("staging")]  # detached after the commit


@contextmanager
def _limited(
    store: Store, tmp_path: Path, progress: RecordingProgress
) -> Iterator[tuple[StagingSink, Connection, int, int]]:
    """A staging sink in a bulk transaction that may attach only 6 databases; the delivery
    and account ids its rows refer to."""
    op = store.operation_id("op", create=True)
    delivery = _delivery(store, op)
    with StagingSink(tmp_path, progress) as out, store.bulk_transaction() as conn:
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        raw.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 6)
        yield out, conn, delivery, _account(conn, op, delivery)


def test_big_tables_are_published_early_within_the_attachment_limit(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sink, "EARLY_ROWS", 2)
    copies = RecordingProgress()
    with _limited(sqlite_store, tmp_path, copies) as (out, conn, delivery, account):
        for i in range(10):
            out.append(conn, "message", COLUMNS, _messages(delivery, account, 2 * i, ["x", "y"]))
        out.publish(conn, out.pending)
        stored = [r[0] for r in conn.execute(text("SELECT platform_message_id FROM message"))]
    assert stored == [f"m{i:04d}" for i in range(20)]  # all of them, in delivered order
    # 6 attachments: 3 kept for final publishes, so 3 early copies
    assert copies.started == [
        *["ingest: copy 2 rows of message into the store"] * 3,
        "ingest: copy 14 rows of message into the store",
    ]


def test_a_finished_table_frees_its_reserved_attachment(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sink, "EARLY_ROWS", 2)
    copies = RecordingProgress()
    with _limited(sqlite_store, tmp_path, copies) as (out, conn, delivery, account):
        out.append(conn, "message", COLUMNS, _messages(delivery, account, 0, ["x"]))
        out.publish(conn, ["message"])  # finished: 2 attachments stay reserved, not 3
        for i in range(10):
            out.append(
                conn, "message", COLUMNS, _messages(delivery, account, 1 + 2 * i, ["a", "b"])
            )
        assert len(copies.started) == 4  # 1 final + 3 early (with 3 reserved, only 2 would fit)


def test_a_failed_load_rolls_back_and_removes_the_staging_files(
    store: Store, tmp_path: Path
) -> None:
    op = store.operation_id("op", create=True)
    delivery = _delivery(store, op)
    with (
        pytest.raises(RuntimeError, match="boom"),
        column_sink(store.dialect, tmp_path / "staging") as out,
        store.bulk_transaction() as conn,
    ):
        account = _account(conn, op, delivery)
        out.append(conn, "message", COLUMNS, _messages(delivery, account, 0, ["a"]))
        out.publish(conn, ["message"])
        raise RuntimeError("boom")
    with store.transaction() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM message")).scalar_one() == 0
        assert conn.execute(text("SELECT COUNT(*) FROM account")).scalar_one() == 0
    assert not (tmp_path / "staging").exists() or not any((tmp_path / "staging").iterdir())


def test_foreign_keys_are_enforced_again_after_a_bulk_transaction(sqlite_store: Store) -> None:
    with sqlite_store.bulk_transaction() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 0
    with sqlite_store.transaction() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1


def test_staging_left_by_a_killed_ingest_is_removed_by_the_next(tmp_path: Path) -> None:
    parent = tmp_path / "staging"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    stale = parent / f"ingest-{dead.stdout.strip()}-abc"
    live = parent / f"ingest-{os.getppid()}-xyz"  # a process that is still running
    for d in (stale, live):
        d.mkdir(parents=True)
        (d / "0-file_event.db").write_bytes(b"rows")
    with StagingSink.create(parent) as out:
        assert out.directory.is_dir()
    assert not stale.exists()
    assert live.exists()


def test_mismatched_columns_are_refused(store: Store, tmp_path: Path) -> None:
    with column_sink(store.dialect, tmp_path) as out, store.bulk_transaction() as conn:
        with pytest.raises(ValueError, match="different lengths"):
            out.append(conn, "message", ("a", "b"), [pa.array([1]), pa.array([1, 2])])
        if store.dialect == "sqlite":
            out.append(conn, "message", ("a", "b"), [pa.array([1]), pa.array([1])])
            with pytest.raises(ValueError, match="other columns"):
                out.append(conn, "message", ("a", "c"), [pa.array([1]), pa.array([1])])
