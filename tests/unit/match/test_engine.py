"""The matching engine finds exactly what brute force finds, exact and PDQ."""

from __future__ import annotations

import random

import numpy as np
import pytest

from safeguard.match.engine import METHODS, MatchEngine, SetRef, category_code
from safeguard.match.exact import ExactIndex, hex_to_digests
from safeguard.records import MatchMethod
from tests.unit.hashsets.samples import rand_hex


def _flip(hex64: str, bits: int, rng: random.Random) -> str:
    value = int(hex64, 16)
    for b in rng.sample(range(256), bits):
        value ^= 1 << b
    return f"{value:064x}"


def test_exact_index_equals_dict_lookup_with_shared_prefixes() -> None:
    rng = random.Random(3)
    prefixes = [rand_hex(rng, 16) for _ in range(20)]  # force many 8-byte prefix collisions
    bank = [rng.choice(prefixes) + rand_hex(rng, 16) for _ in range(3000)]
    bank += bank[:50]  # duplicates: the same digest listed twice
    queries = [rng.choice(bank) for _ in range(500)] + [rng.choice(prefixes) + "0" * 16] * 5
    digests, _ = hex_to_digests(bank, 16)
    index = ExactIndex.build(digests, np.arange(len(bank)))
    q_digests, _ = hex_to_digests(queries, 16)
    qrow, erow = index.lookup(q_digests)
    got = sorted(zip(qrow.tolist(), erow.tolist(), strict=True))
    expected = sorted(
        (qi, ei) for qi, q in enumerate(queries) for ei, b in enumerate(bank) if q == b
    )
    assert got == expected


def test_hex_parsing_marks_absent_and_malformed() -> None:
    digests, valid = hex_to_digests(["AB" * 16, None, "", "zz" * 16, "ab" * 15], 16)
    assert valid.tolist() == [True, False, False, False, False]
    assert digests[0].tolist() == [0xAB] * 16


def _engine(rng: random.Random, n: int = 200) -> tuple[MatchEngine, dict[str, list[str | None]]]:
    hashes: dict[str, list[str | None]] = {
        "md5": [rand_hex(rng, 32) for _ in range(n)],
        "sha1": [rand_hex(rng, 40) if i % 2 else None for i in range(n)],
        "sha256": [None] * n,
        "pdq": [rand_hex(rng, 64) if i % 3 == 0 else None for i in range(n)],
    }
    engine = MatchEngine.build(
        entry_ids=np.arange(1000, 1000 + n),
        set_index=[i % 2 for i in range(n)],
        categories=[category_code("A" if i % 2 else "C") for i in range(n)],
        sets=[SetRef(1, "one", 1), SetRef(2, "two", 3)],
        hashes=hashes,
    )
    return engine, hashes


def test_exact_matches_by_kind_and_skips_unknown() -> None:
    engine, hashes = _engine(random.Random(5))
    queries = [hashes["md5"][7], "0" * 32, None, hashes["md5"][8].upper()]  # type: ignore[union-attr]
    m = engine.match_exact("md5", queries)
    assert m.query_row.tolist() == [0, 3]
    assert engine.entry_ids[m.entry_row].tolist() == [1007, 1008]
    assert {METHODS[c] for c in m.method.tolist()} == {MatchMethod.MD5}


def test_pdq_within_distance_and_quality_threshold() -> None:
    rng = random.Random(9)
    engine, hashes = _engine(rng)
    base = hashes["pdq"][3]
    assert base is not None
    queries = [
        _flip(base, 10, rng),
        _flip(base, 31, rng),
        _flip(base, 32, rng),
        _flip(base, 5, rng),
    ]
    m = engine.match_pdq(queries, max_distance=31, qualities=[90, 90, 90, 40], min_quality=50)
    assert m.query_row.tolist() == [0, 1]
    assert m.distance.tolist() == [10, 31]
    assert engine.entry_ids[m.entry_row].tolist() == [1003, 1003]
    loose = engine.match_pdq(queries, max_distance=31)
    assert loose.query_row.tolist() == [0, 1, 3]


def test_pdq_matches_equal_brute_force() -> None:
    rng = random.Random(11)
    engine, hashes = _engine(rng, n=300)
    bank = [(i, h) for i, h in enumerate(hashes["pdq"]) if h]
    queries = [_flip(rng.choice(bank)[1], rng.randint(0, 60), rng) for _ in range(100)]
    m = engine.match_pdq(queries, max_distance=31)
    got = sorted(zip(m.query_row.tolist(), m.entry_row.tolist(), m.distance.tolist(), strict=True))
    expected = sorted(
        (qi, ei, d)
        for qi, q in enumerate(queries)
        for ei, h in bank
        if (d := bin(int(q, 16) ^ int(h, 16)).count("1")) <= 31
    )
    assert got == expected


def test_one_match_per_entry_with_the_preferred_method() -> None:
    engine, hashes = _engine(random.Random(13))
    cols: dict[str, list[str | None]] = {
        "md5": [hashes["md5"][1]],
        "sha1": [hashes["sha1"][1]],
        "pdq": [None],
    }
    m = engine.match_hashes(cols, max_distance=31)
    assert len(m) == 1
    assert METHODS[int(m.method[0])] == MatchMethod.SHA1


@pytest.mark.parametrize("kind", ["md5", "sha1", "sha256"])
def test_empty_bank_matches_nothing(kind: str) -> None:
    engine = MatchEngine.build(entry_ids=[], set_index=[], categories=[], sets=[], hashes={})
    assert (
        len(engine.match_exact(kind, ["a" * (2 * {"md5": 16, "sha1": 20, "sha256": 32}[kind])]))
        == 0
    )
    assert len(engine.match_pdq(["a" * 64], max_distance=31)) == 0


def test_broadcast_gives_each_row_its_groups_matches_in_order() -> None:
    engine, hashes = _engine(random.Random(17))
    distinct: dict[str, list[str | None]] = {
        "md5": [hashes["md5"][1], "0" * 32, hashes["md5"][2]],
        "sha1": [None, None, hashes["sha1"][1]],
    }
    per_group = engine.match_hashes(distinct, max_distance=31)
    group = np.array([2, 0, 1, 2, 2, 0])
    got = per_group.broadcast(group)
    rows = {k: [v[g] for g in group.tolist()] for k, v in distinct.items()}
    direct = engine.match_hashes(rows, max_distance=31)
    for field in ("query_row", "entry_row", "method", "distance"):
        assert getattr(got, field).tolist() == getattr(direct, field).tolist()
    assert len(per_group.broadcast(np.empty(0, np.int64))) == 0
