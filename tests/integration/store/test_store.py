"""The store migrates, keeps timestamps in UTC, and bulk-writes on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, inspect, select

from safeguard.errors import NotFoundError
from safeguard.store.bulk import bulk_insert, ts_text
from safeguard.store.db import Store
from safeguard.store.models import Account, Delivery, Operation, StageRun, StageWarning
from safeguard.store.runs import record_run


def _delivery(store: Store) -> tuple[int, int]:
    op_id = store.operation_id("op", create=True)
    with store.session() as s:
        d = Delivery(operation_id=op_id, format="safeguard-platform-export", checksum="c" * 64)
        s.add(d)
        s.flush()
        return op_id, d.id


def test_open_migrates_every_model_table(store: Store) -> None:
    tables = set(inspect(store.engine).get_table_names())
    from safeguard.store.models import Base

    assert set(Base.metadata.tables) <= tables
    Store.open_url(store.engine.url.render_as_string(hide_password=False)).dispose()


def test_operation_lookup_creates_only_when_asked(store: Store) -> None:
    with pytest.raises(NotFoundError, match="no operation named 'x'"):
        store.operation_id("x")
    first = store.operation_id("x", create=True)
    assert store.operation_id("x") == first
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Operation)) == 1


def test_timestamps_come_back_utc_aware(store: Store) -> None:
    op_id, delivery_id = _delivery(store)
    local = datetime(2020, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    with store.session() as s:
        s.add(
            Account(
                operation_id=op_id,
                delivery_id=delivery_id,
                platform="p",
                platform_account_id="a1",
                created_at=local,
            )
        )
    with store.session() as s:
        got = s.scalar(select(Account.created_at))
    assert got == datetime(2020, 5, 1, 10, 0, tzinfo=UTC)
    assert got is not None and got.tzinfo is not None


def test_bulk_insert_rows_are_readable_through_the_models(store: Store) -> None:
    op_id, delivery_id = _delivery(store)
    ts = ts_text(datetime(2021, 1, 2, 3, 4, 5, 600000, tzinfo=UTC))
    rows = ((op_id, delivery_id, "p", f"acc{i}", ts, "{}") for i in range(1234))
    cols = (
        "operation_id",
        "delivery_id",
        "platform",
        "platform_account_id",
        "created_at",
        "attributes",
    )
    with store.transaction() as conn:
        assert bulk_insert(conn, "account", cols, rows, batch_size=500) == 1234
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Account)) == 1234
        acc = s.scalars(select(Account).where(Account.platform_account_id == "acc7")).one()
    assert acc.created_at == datetime(2021, 1, 2, 3, 4, 5, 600000, tzinfo=UTC)
    assert acc.attributes == {}


def test_failed_transaction_leaves_nothing(store: Store) -> None:
    op_id, delivery_id = _delivery(store)
    cols = ("operation_id", "delivery_id", "platform", "platform_account_id", "attributes")
    with pytest.raises(RuntimeError), store.transaction() as conn:
        bulk_insert(conn, "account", cols, [(op_id, delivery_id, "p", "a", "{}")])
        raise RuntimeError("crash mid-delivery")
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Account)) == 0


def test_stage_run_records_counts_warnings_and_failure(store: Store) -> None:
    op_id = store.operation_id("op", create=True)
    with record_run(store, op_id, "match", {"pdq_max_distance": 31}) as rec:
        rec.counts["events"] = 10
        rec.warn("low-pdq-quality", "quality 20 below 50", ref="event:1")
        rec.warn("low-pdq-quality", "quality 10 below 50", ref="event:2")
    with pytest.raises(ValueError), record_run(store, op_id, "assess", {}):
        raise ValueError("ruleset missing")
    with store.session() as s:
        ok, failed = s.scalars(select(StageRun).order_by(StageRun.id)).all()
        warnings = s.scalars(select(StageWarning)).all()
    assert ok.status == "ok" and ok.counts["events"] == 10
    assert ok.counts["warnings"] == {"low-pdq-quality": 2}
    assert len(ok.config_hash) == 64 and ok.seconds is not None
    assert {w.ref for w in warnings} == {"event:1", "event:2"}
    assert failed.status == "failed" and "ruleset missing" in failed.error


def test_a_stage_run_leaves_postgres_planner_statistics(store: Store) -> None:
    """A stage bulk-writes in one transaction; right after it the planner must know the rows
    (without statistics PostgreSQL planned a 10k-subject queue page at 13 s)."""
    if store.dialect != "postgresql":
        pytest.skip("SQLite's planner needs no statistics")
    from sqlalchemy import text

    from safeguard.store.bulk import bulk_insert
    from safeguard.store.runs import record_run

    op_id = store.operation_id("stats", create=True)
    with record_run(store, op_id, "resolve", {}), store.transaction() as conn:
        bulk_insert(conn, "subject", ("operation_id", "label"),
                    ((op_id, f"S-{i:06d}") for i in range(700)))  # fmt: skip
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'subject'"))
        assert rows.scalar_one() == 700
