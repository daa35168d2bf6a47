"""The one triage-queue query, on SQLite and PostgreSQL: every filter, pages and the tier in
force, against an oracle computed in Python from the generated rows."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import insert

from safeguard.assess.queue import (
    QUEUE_COLUMNS,
    QueueFilter,
    copy_attribution,
    copy_roles,
    queue_columns,
    queue_entries,
)
from safeguard.authz import Actor, Role
from safeguard.store.db import Store
from safeguard.store.models import Base, IntelPackage

FORCES = ("kent", "essex", "thames-valley")
ROCUS = {"kent": "SEROCU", "essex": "ERSOU", "thames-valley": "SEROCU"}
ROLES = ("hub", "distributor")
FLAGS = ("category-a", "position-of-trust", "travel")


@dataclass(frozen=True)
class Row:
    """What the oracle knows of one generated subject."""

    sid: int
    label: str
    tier: str
    computed: str
    overridden: bool
    changed: bool
    score: float
    force: str | None
    confidence: str | None  # None: no attribution row
    roles: tuple[str, ...]
    flags: tuple[str, ...]
    deconflicted: bool


def _reasons(rng: random.Random) -> list[dict[str, Any]]:
    return [
        {"code": f, "factor": f, "points": float(rng.randint(1, 9)), "text": f"{f} text",
         "flags": [f], "evidence": []}
        for f in rng.sample(FLAGS, rng.randint(0, 3))
    ]  # fmt: skip


def _generate(n: int) -> tuple[dict[str, list[dict[str, Any]]], list[Row]]:
    rng = random.Random(11)
    tables: dict[str, list[dict[str, Any]]] = {
        t: [] for t in ("subject", "assessment", "attribution", "subject_network")
    }
    rows = []
    for sid in range(1, n + 1):
        label = f"S-{rng.randrange(10**5):05d}-{sid}"
        computed, override = rng.choice("1234"), rng.choice([None, None, None, *"1234"])
        reasons = _reasons(rng)
        score = float(rng.randint(0, 4))  # many ties: the label decides
        force = rng.choice([None, *FORCES])
        confidence = rng.choice([None, "high", "low", "none"])
        roles = tuple(rng.sample(ROLES, rng.randint(0, 2)))
        decon = [{"force_id": "kent", "reference": "R1"}] if rng.random() < 0.2 else []
        changed = override is not None and rng.random() < 0.5
        tables["subject"].append({"id": sid, "operation_id": 1, "label": label})
        queued = dict(zip(QUEUE_COLUMNS, queue_columns(label, 1, reasons), strict=True))
        tables["assessment"].append({
            "id": sid, "operation_id": 1, "subject_id": sid, "tier": computed, "score": score,
            "reasons": reasons, "ruleset_version": "t/1", "deconfliction": decon,
            "override_tier": override, "facts_changed": changed, **queued,
        })  # fmt: skip
        if confidence is not None:
            tables["attribution"].append({
                "id": sid, "operation_id": 1, "subject_id": sid, "country": "GB",
                "force_id": force, "rocu": ROCUS.get(force or ""), "confidence": confidence,
            })  # fmt: skip
        if roles or rng.random() < 0.5:
            tables["subject_network"].append({"subject_id": sid, "operation_id": 1,
                                              "roles": list(roles)})  # fmt: skip
        rows.append(Row(
            sid, label, override or computed, computed, override is not None, changed, score,
            force if confidence is not None else None, confidence, roles,
            tuple(sorted({f for r in reasons for f in r["flags"]})), bool(decon),
        ))  # fmt: skip
    return tables, rows


N = 160


@pytest.fixture(scope="module")
def world(module_store: Store) -> Iterator[tuple[Store, list[Row]]]:
    tables, rows = _generate(N)
    t = Base.metadata.tables
    with module_store.transaction() as conn:
        conn.execute(insert(t["operation"]), [{"id": 1, "name": "op"}])
        for name in ("subject", "assessment", "attribution", "subject_network"):
            conn.execute(insert(t[name]), tables[name])
        copy_attribution(conn, 1)  # as the attribute and assess stages do
        copy_roles(conn, 1)  # as the network's rebuild and the assess stage do
    yield module_store, rows


def _expected(rows: list[Row], keep: Callable[[Row], bool]) -> list[tuple[str, str]]:
    kept = sorted((r for r in rows if keep(r)), key=lambda r: (r.tier, -r.score, r.label))
    return [(r.label, r.tier) for r in kept]


def _got(
    store: Store, where: QueueFilter, limit: int | None = None, offset: int = 0
) -> list[tuple[str, str]]:
    with store.session() as s:
        return [(e.label, e.tier) for e in queue_entries(s, 1, where, limit=limit, offset=offset)]


CASES: list[tuple[QueueFilter, Callable[[Row], bool]]] = [
    (QueueFilter(), lambda r: True),
    (QueueFilter(tiers=("2",)), lambda r: r.tier == "2"),
    (QueueFilter(tiers=("1", "4")), lambda r: r.tier in ("1", "4")),
    (QueueFilter(force="kent"), lambda r: r.force == "kent"),
    (QueueFilter(rocu="serocu"), lambda r: r.force in ("kent", "thames-valley")),
    (QueueFilter(confidence="high"), lambda r: r.confidence == "high"),
    (QueueFilter(confidence="none"), lambda r: r.confidence in (None, "none")),
    (QueueFilter(role="hub"), lambda r: "hub" in r.roles),
    (QueueFilter(flag="travel"), lambda r: "travel" in r.flags),
    (QueueFilter(position_of_trust=True), lambda r: "position-of-trust" in r.flags),
    (QueueFilter(position_of_trust=False), lambda r: "position-of-trust" not in r.flags),
    (QueueFilter(deconfliction=True), lambda r: r.deconflicted),
    (QueueFilter(deconfliction=False), lambda r: not r.deconflicted),
    (QueueFilter(overridden=True), lambda r: r.overridden),
    (QueueFilter(overridden=False), lambda r: not r.overridden),
    (QueueFilter(facts_changed=True), lambda r: r.changed),
    (
        QueueFilter(tiers=("1", "2"), force="essex", role="distributor"),
        lambda r: r.tier in ("1", "2") and r.force == "essex" and "distributor" in r.roles,
    ),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_each_filter_keeps_what_the_oracle_keeps_in_priority_order(
    world: tuple[Store, list[Row]], case: int
) -> None:
    store, rows = world
    where, keep = CASES[case]
    expected = _expected(rows, keep)
    assert expected, "the generated world exercises every filter"
    assert _got(store, where) == expected


def test_pages_walk_the_whole_queue_by_the_tier_in_force(world: tuple[Store, list[Row]]) -> None:
    store, rows = world
    pages = [_got(store, QueueFilter(), limit=25, offset=o) for o in range(0, N + 25, 25)]
    assert [len(p) for p in pages] == [25] * (N // 25) + [N % 25, 0]
    assert [x for p in pages for x in p] == _expected(rows, lambda r: True)
    lowered = next(r for r in rows if r.overridden and r.tier > r.computed)
    with store.session() as s:
        entry = next(e for e in queue_entries(s, 1) if e.label == lowered.label)
    assert (entry.tier, entry.computed_tier, entry.override_tier) == (
        lowered.tier, lowered.computed, lowered.tier,
    )  # fmt: skip


def test_one_label_and_a_force_officer_sees_only_own(world: tuple[Store, list[Row]]) -> None:
    store, rows = world
    assert _got(store, QueueFilter(label=rows[7].label)) == [(rows[7].label, rows[7].tier)]
    with store.session() as s:
        s.add(IntelPackage(operation_id=1, subject_id=rows[3].sid, force_id="kent",
                           reference="P-1", grading="1/A/P", tier="1"))  # fmt: skip
    officer = Actor(9, "officer", Role.FORCE_OFFICER, force_id="kent")
    other = Actor(10, "other", Role.FORCE_OFFICER, force_id="essex")
    with store.session() as s:
        assert [e.label for e in queue_entries(s, 1, actor=officer)] == [rows[3].label]
        assert queue_entries(s, 1, actor=other) == []


def test_sorted_by_score_or_label_with_filters_and_pages(world: tuple[Store, list[Row]]) -> None:
    store, rows = world
    keep = [r for r in rows if r.force == "kent"]
    by_score = [r.label for r in sorted(keep, key=lambda r: (-r.score, r.label))]
    by_label = sorted(r.label for r in keep)
    for sort, expected in (("score", by_score), ("label", by_label)):
        with store.session() as s:
            got = [
                e.label
                for offset in range(0, len(keep) + 10, 10)
                for e in queue_entries(
                    s, 1, QueueFilter(force="kent"), limit=10, offset=offset, sort=sort
                )
            ]
        assert got == expected, sort
    with store.session() as s, pytest.raises(ValueError, match="sort is one of"):
        queue_entries(s, 1, sort="random")


def test_a_filter_value_with_like_wildcards_matches_only_itself(
    world: tuple[Store, list[Row]],
) -> None:
    store, _ = world
    for where in (QueueFilter(flag="%"), QueueFilter(flag="trave_"), QueueFilter(role="h_b")):
        assert _got(store, where) == []
