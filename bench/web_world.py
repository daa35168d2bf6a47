"""The world ``bench/web.py`` serves: bulk-inserted subjects and a synthetic PDQ bank.

Not the pipeline (``bench/pipeline.py`` measures that): realistic rows written directly, so
the web benchmark measures the web app alone.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import numpy as np

OPERATION = "benchop"
TIERS = (("1", 0.03), ("2", 0.12), ("3", 0.35), ("4", 0.50))
FACTORS = (
    ("material", "Traded category A material", ()),
    ("distribution", "Sent material to other accounts", ()),
    ("production", "First uploader of material", ()),
    ("previous", "Known to a force register", ()),
    ("indicators", "Contact-offending indicators in messages", ()),
    ("position-of-trust", "Declared occupation gives access to children", ("position-of-trust",)),
    ("access", "Lives with or cares for children", ()),
)
ROLES = ("distributor", "hub", "first-uploader")
#: Share of subjects with an analyst's override of their tier.
OVERRIDDEN = 0.01


def _reasons(rng: random.Random) -> list[dict[str, Any]]:
    chosen = rng.sample(FACTORS, rng.randint(2, 6))
    return [
        {
            "factor": name,
            "points": round(rng.uniform(2, 40), 1),
            "text": text,
            "evidence": [f"event:{rng.randint(1, 10**7)}" for _ in range(rng.randint(1, 4))],
            "flags": list(flags),
        }
        for name, text, flags in chosen
    ]


def _subject_rows(n: int, forces: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(table, row) for every row about ``n`` subjects, ids assigned here."""
    rng = random.Random(12)
    tiers, weights = [t for t, _ in TIERS], [w for _, w in TIERS]
    account_id = 0
    from safeguard.assess.queue import QUEUE_COLUMNS, queue_columns

    for sid in range(1, n + 1):
        label = f"S-{sid:06d}"
        yield "subject", {"id": sid, "operation_id": 1, "label": label}
        accounts = rng.choice((1, 1, 1, 2, 2, 3))
        for _ in range(accounts):
            account_id += 1
            yield "account", {
                "id": account_id, "operation_id": 1, "delivery_id": 1, "platform": "bench",
                "platform_account_id": f"u{account_id}", "username": f"user{account_id}",
            }  # fmt: skip
            yield "subject_account", {"subject_id": sid, "account_id": account_id}
        reasons = _reasons(rng)
        yield "assessment", {
            "id": sid, "operation_id": 1, "subject_id": sid,
            "tier": rng.choices(tiers, weights)[0], "reasons": reasons,
            "score": round(sum(r["points"] for r in reasons), 2), "ruleset_version": "bench/1",
            "deconfliction": [{"force_id": rng.choice(forces)}] if rng.random() < 0.05 else [],
            "override_tier": rng.choice(tiers) if rng.random() < OVERRIDDEN else None,
            **dict(zip(QUEUE_COLUMNS, queue_columns(label, accounts, reasons), strict=True)),
        }  # fmt: skip
        force = rng.choice(forces) if rng.random() < 0.9 else None
        yield "attribution", {
            "id": sid, "operation_id": 1, "subject_id": sid, "country": "GB" if force else "US",
            "force_id": force, "confidence": rng.choice(("high", "medium", "low")),
            "evidence": [{"source": "login-ip", "share": 0.8}],
        }  # fmt: skip
        if rng.random() < 0.3:
            roles = rng.sample(ROLES, rng.randint(0, 2))
            yield "subject_network", {"subject_id": sid, "operation_id": 1, "degree": 3,
                                      "roles": roles}  # fmt: skip
        if rng.random() < 0.02 and force:
            yield "intel_package", {
                "id": sid, "operation_id": 1, "subject_id": sid, "force_id": force,
                "reference": f"BENCH-{sid:06d}", "grading": "1/A/P", "tier": "1",
            }  # fmt: skip


def populate(url: str, n: int) -> dict[str, int]:
    """Bulk-insert the world; returns rows per table."""
    from sqlalchemy import insert

    from safeguard.assess.queue import copy_attribution, copy_roles
    from safeguard.refdata import uk
    from safeguard.store.db import Store
    from safeguard.store.models import Base

    store = Store.open_url(url)
    tables = Base.metadata.tables
    counts: dict[str, int] = defaultdict(int)
    with store.transaction() as conn:
        conn.execute(insert(tables["operation"]), [{"id": 1, "name": OPERATION}])
        conn.execute(
            insert(tables["delivery"]),
            [{"id": 1, "operation_id": 1, "format": "bench", "checksum": "0" * 64}],
        )
        order = ("subject", "account", "subject_account", "assessment", "attribution",
                 "subject_network", "intel_package")  # fmt: skip
        pending: dict[str, list[dict[str, Any]]] = {t: [] for t in order}
        for table, row in _subject_rows(n, sorted(uk.forces())):
            pending[table].append(row)
            counts[table] += 1
            if len(pending[table]) >= 20_000:
                for t in order:  # parents first (foreign keys)
                    if pending[t]:
                        conn.execute(insert(tables[t]), pending[t])
                        pending[t] = []
        for t in order:
            if pending[t]:
                conn.execute(insert(tables[t]), pending[t])
        copy_attribution(conn, 1)  # what the attribute and assess stages write
        copy_roles(conn, 1)  # and the network's rebuild
    # Planner statistics, as a store has once autovacuum (or SQLite's optimize) has run: right
    # after a bulk load PostgreSQL has none and picked a 13 s plan for the queue at 10k.
    # Store.analyze, which every pipeline stage run ends with, also vacuums the assessments.
    # The throwaway PostgreSQL commits asynchronously, and VACUUM marks a page all-visible
    # only once its rows' commits are on disk: vacuum again until it has (with synchronous
    # commits, as deployed, the one VACUUM does).
    if store.dialect == "postgresql":
        from tests.support.postgres import vacuum_until_all_visible  # bench/web.py's server

        store.analyze()
        vacuum_until_all_visible(store.engine)
    else:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    store.dispose()
    return dict(counts)


def add_bank(url: str, n: int) -> None:
    """A synthetic PDQ hash set of ``n`` random hashes (seeded; see :func:`bank_queries`)."""
    from sqlalchemy import insert

    from safeguard.store.db import Store
    from safeguard.store.models import Base

    store = Store.open_url(url)
    t = Base.metadata.tables
    with store.transaction() as conn:
        conn.execute(
            insert(t["hash_set"]), [{"id": 1, "name": "bench-pdq", "category_scheme": "uk"}]
        )
        conn.execute(
            insert(t["hash_set_version"]),
            [{"id": 1, "hash_set_id": 1, "version": 1, "format": "bench", "source_checksum": ""}],
        )
        rng = np.random.default_rng(3)
        for start in range(0, n, 200_000):
            block = rng.integers(0, 256, (min(200_000, n - start), 32), dtype=np.uint8)
            rows = [
                {"hash_set_id": 1, "pdq": row.tobytes().hex(), "category": "A"} for row in block
            ]
            conn.execute(insert(t["hash_entry"]), rows)
    store.dispose()


def bank_queries(n: int, count: int) -> list[str]:
    """Half near-duplicates of bank hashes (0-20 bits flipped), half random hashes."""
    rng = np.random.default_rng(3)
    picks = np.random.default_rng(4).integers(0, n, count // 2)
    wanted = {int(p) for p in picks}
    found: dict[int, np.ndarray] = {}
    for start in range(0, n, 200_000):
        block = rng.integers(0, 256, (min(200_000, n - start), 32), dtype=np.uint8)
        for p in [p for p in wanted if start <= p < start + len(block)]:
            found[p] = block[p - start]
    out, flips = [], np.random.default_rng(5)
    for p in picks.tolist():
        bits = np.unpackbits(found[p])
        bits[flips.choice(256, int(flips.integers(0, 21)), replace=False)] ^= 1
        out.append(np.packbits(bits).tobytes().hex())
    out += [flips.integers(0, 256, 32, dtype=np.uint8).tobytes().hex() for _ in picks]
    return out


def analyst_token(url: str) -> str:
    from sqlalchemy import select

    from safeguard.access import add_user, issue_token
    from safeguard.store.db import Store
    from safeguard.store.models import User

    store = Store.open_url(url)
    with store.session() as s:
        if s.scalar(select(User.id).where(User.username == "bench-analyst")) is None:
            add_user(s, "bench-analyst", "analyst", by="bench")
        token = issue_token(s, "bench-analyst", rate_per_minute=10**7, by="bench").token
    store.dispose()
    return token
