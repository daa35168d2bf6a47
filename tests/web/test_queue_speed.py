"""The triage queue and the subject lookup read along indexes (fast at 100,000 subjects):
pages come out in priority order with their account counts, and the SQL never sorts or
scans a whole operation."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest
from sqlalchemy import insert

from safeguard.assess.queue import QueueFilter, queue_query
from safeguard.authz import Actor, Role
from safeguard.errors import NotFoundError
from safeguard.store.db import Store
from safeguard.store.models import Base
from safeguard.web.queries import subject_doc, triage_queue
from tests.support.postgres import vacuum_until_all_visible

ANALYST = Actor(1, "analyst", Role.ANALYST)


def _world(store: Store, n: int) -> list[tuple[str, float, str, int]]:
    """``n`` subjects with random tiers and (often tied) scores; the expected queue order."""
    rng, t = random.Random(5), Base.metadata.tables
    rows: dict[str, list[dict[str, Any]]] = {k: [] for k in ("subject", "account", "sa", "as")}
    expected = []
    for i in range(1, n + 1):
        tier, score, accounts = rng.choice("1234"), float(rng.randint(0, 5)), rng.randint(1, 3)
        label = f"S-{rng.randrange(10**6):06d}-{i}"
        rows["subject"].append({"id": i, "operation_id": 1, "label": label})
        for k in range(accounts):
            aid = i * 10 + k
            rows["account"].append({"id": aid, "operation_id": 1, "delivery_id": 1,
                                    "platform": "p", "platform_account_id": str(aid)})  # fmt: skip
            rows["sa"].append({"subject_id": i, "account_id": aid})
        rows["as"].append({"id": i, "operation_id": 1, "subject_id": i, "tier": tier,
                           "score": score, "reasons": [], "ruleset_version": "t",
                           "subject_label": label, "accounts": accounts})  # fmt: skip
        expected.append((tier, -score, label, accounts))
    with store.transaction() as conn:
        conn.execute(insert(t["operation"]), [{"id": 1, "name": "op"}])
        conn.execute(insert(t["delivery"]), [{"id": 1, "operation_id": 1, "format": "t",
                                              "checksum": "0" * 64}])  # fmt: skip
        for name, table in (("subject", "subject"), ("account", "account"),
                            ("sa", "subject_account"), ("as", "assessment")):  # fmt: skip
            conn.execute(insert(t[table]), rows[name])
    return sorted(expected)


def test_queue_pages_are_in_priority_order_with_account_counts(store: Store) -> None:
    expected = _world(store, 120)
    got = []
    for offset in range(0, 120, 25):
        page = triage_queue(store, "op", ANALYST, limit=25, offset=offset)
        got += [(q.tier, -q.score, q.label, q.accounts) for q in page]
    assert got == expected


def test_an_empty_queue_is_a_page_and_an_unknown_operation_is_not_found(store: Store) -> None:
    """The page looks its operation up by name in the same statement; an empty page then
    tells "no such operation" from "nothing in the queue"."""
    _world(store, 10)
    with store.transaction() as conn:
        conn.execute(insert(Base.metadata.tables["operation"]), [{"id": 2, "name": "quiet"}])
    assert triage_queue(store, "quiet", ANALYST) == []
    assert len(triage_queue(store, "op", ANALYST)) == 10
    assert triage_queue(store, "op", ANALYST, offset=10) == []
    with pytest.raises(NotFoundError, match="no operation named 'nope'"):
        triage_queue(store, "nope", ANALYST)


def _plan(store: Store, sql: str) -> str:
    with store.engine.connect() as conn:
        return " | ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))


def test_queue_and_subject_lookups_use_indexes(sqlite_store: Store) -> None:
    _world(sqlite_store, 50)
    in_force, force = "ix_assessment_queue_in_force", "ix_assessment_queue_force"
    shapes = [(QueueFilter(), "priority", in_force),
              (QueueFilter(tiers=("1", "3")), "priority", in_force),
              (QueueFilter(tiers=("2",)), "priority", in_force),
              (QueueFilter(overridden=True), "priority", "ix_assessment_queue_overridden"),
              (QueueFilter(deconfliction=True), "priority", "ix_assessment_queue_deconflicted"),
              (QueueFilter(force="kent"), "priority", force),
              (QueueFilter(force="kent", tiers=("1",)), "priority", force),
              (QueueFilter(), "score", "ix_assessment_queue_score"),
              (QueueFilter(), "label", "ix_assessment_queue_label")]  # fmt: skip
    ops: tuple[int | str, ...] = (1, "op")  # the operation by id or by name
    for (where, sort, index), op in itertools.product(shapes, ops):
        q = queue_query(op, where, actor=ANALYST, limit=50, offset=10_000, sort=sort)
        sql = str(q.compile(sqlite_store.engine, compile_kwargs={"literal_binds": True}))
        plan = _plan(sqlite_store, sql)
        # SQLite before 3.41 does not call an index on an expression covering, but it reads
        # the table row of a walked entry only when a term needs it (a deferred seek).
        assert f"INDEX {index} (" in plan, plan
        assert "ix_attribution_op_subject" in plan, plan
        assert "AUTOMATIC" not in plan, plan
        assert "SCAN assessment" not in plan and "SCAN subject" not in plan, plan
        assert "TEMP B-TREE" not in plan.split("SCAN page")[0], plan  # the walk needs no sort
    label_plan = _plan(
        sqlite_store, "SELECT id FROM subject WHERE operation_id = 1 AND label = 'x'"
    )
    assert "ix_subject_op_label" in label_plan, label_plan
    first = triage_queue(sqlite_store, "op", ANALYST)[0]
    assert subject_doc(sqlite_store, "op", ANALYST, first.label)["label"] == first.label


def test_postgres_walks_the_queue_with_index_only_scans(store: Store) -> None:
    """On PostgreSQL a page's walk reads index entries only (migration 0006; Store.analyze
    vacuums the assessments): before, it fetched the heap row of every entry it walked past."""
    if store.dialect != "postgresql":
        pytest.skip("SQLite's indexes carry the row id")
    from sqlalchemy import text

    _world(store, 3000)
    store.analyze()
    vacuum_until_all_visible(store.engine)  # the test server commits asynchronously
    cases = [(QueueFilter(), "ix_assessment_queue_in_force"),
             (QueueFilter(force="kent"), "ix_assessment_queue_force")]  # fmt: skip
    with store.engine.connect() as conn:
        # A world this small might be sorted in memory instead: the walk is what is checked.
        conn.exec_driver_sql("SET enable_seqscan = off")
        conn.exec_driver_sql("SET enable_sort = off")
        for where, index in cases:
            q = queue_query(1, where, limit=50, offset=1000)
            sql = str(q.compile(store.engine, compile_kwargs={"literal_binds": True}))
            plan = "\n".join(conn.execute(text(f"EXPLAIN (ANALYZE) {sql}")).scalars())
            assert f"Index Only Scan using {index}" in plan, plan
            assert "Heap Fetches: 0" in plan, plan
