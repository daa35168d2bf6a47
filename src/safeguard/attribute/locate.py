"""Locating many accounts: in this process, or split across forked worker processes.

Each account is located independently, so a large operation is cut into chunks that worker
processes (forked, so they inherit the loaded facts and the open geolocators without copying
them) locate in parallel; results come back in the accounts' order, so the rows written are
the same as a serial run's. Small operations, and platforms without ``fork``, run serially.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from safeguard.attribute.facts import AccountFacts, Evidence
from safeguard.attribute.geolocators import Geolocator
from safeguard.attribute.record import Attributed, attribute_items, json_doc

__all__ = ["CHUNK", "MIN_PARALLEL", "WORKERS", "Located", "locate_all", "locate_one"]

#: Worker processes for a large operation (the deployment machine has 2 cores).
WORKERS = 2
#: Operations with fewer accounts than this are located in this process (forking costs).
MIN_PARALLEL = 20_000
#: Accounts per chunk handed to a worker.
CHUNK = 2_000


@dataclass(frozen=True)
class Located:
    """One located account: its attribution row values and what the run tallies and warns."""

    account_id: int
    row: tuple[Any, ...]
    confidence: str
    country: str | None
    conflicting: tuple[str, ...]
    unlocated: str | None = None


def locate_one(
    facts: AccountFacts, locators: Sequence[Geolocator], reference: datetime | None
) -> Attributed:
    """Run every geolocator over one account's facts, then decide and explain."""
    items: list[Evidence] = []
    for locator in locators:
        items = locator.apply(facts, items)
    return attribute_items(((item, {}) for item in items), reference)


def _located(facts: AccountFacts, a: Attributed) -> Located:
    row = (
        a.country, a.region, a.force_id, a.pfa_code, a.rocu, a.confidence, a.score,
        json_doc(a.alternatives), json_doc(a.evidence),
    )  # fmt: skip
    rule = a.evidence[0] if a.evidence else {}
    conflicting = tuple(rule.get("conflicting_strong") or ())
    return Located(
        facts.account_id, row, a.confidence, a.country, conflicting, rule.get("unlocated")
    )


_Work = tuple[Sequence[AccountFacts], Sequence[Geolocator], datetime | None]
#: What forked workers locate: set by :func:`locate_all` just before the pool forks.
_WORK: list[_Work] = []


def _chunk(bounds: tuple[int, int]) -> list[Located]:
    facts, locators, reference = _WORK[-1]
    return [_located(f, locate_one(f, locators, reference)) for f in facts[bounds[0] : bounds[1]]]


def _parallel(workers: int, n: int, least: int) -> bool:
    return workers > 1 and n >= least and "fork" in multiprocessing.get_all_start_methods()


def locate_all(
    facts: Sequence[AccountFacts],
    locators: Sequence[Geolocator],
    reference: datetime | None,
    *,
    workers: int = WORKERS,
    chunk: int = CHUNK,
    min_parallel: int = MIN_PARALLEL,
) -> Iterator[list[Located]]:
    """Every account located, in ``facts`` order, one chunk of results at a time (in
    ``workers`` processes when there are at least ``min_parallel`` accounts)."""
    bounds = [(i, min(i + chunk, len(facts))) for i in range(0, len(facts), chunk)]
    if not _parallel(workers, len(facts), min_parallel):
        for start, stop in bounds:
            yield [_located(f, locate_one(f, locators, reference)) for f in facts[start:stop]]
        return
    _WORK.append((facts, locators, reference))
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            yield from pool.map(_chunk, bounds)
    finally:
        _WORK.pop()
