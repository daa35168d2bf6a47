from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from safeguard.errors import FormatError, HashSetError
from safeguard.hashsets import pdq_mih as mih
from safeguard.hashsets.pdq_index import PdqIndex, pdq_hex_to_array

N = 200_000
Bank = tuple[np.ndarray, np.ndarray, np.ndarray]
Truth = set[tuple[int, int, int]]


def _flip(rows: np.ndarray, counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    bits = np.unpackbits(rows, axis=1)
    for i, c in enumerate(counts):
        bits[i, rng.choice(256, int(c), replace=False)] ^= 1
    return np.packbits(bits, axis=1)


def _brute(bank: np.ndarray, ids: np.ndarray, qs: np.ndarray, r: int) -> set[tuple[int, int, int]]:
    """Independent exhaustive search: a byte popcount table over every bank row."""
    popcount = np.array([bin(b).count("1") for b in range(256)], dtype=np.uint16)
    out: set[tuple[int, int, int]] = set()
    for qi, q in enumerate(qs):
        dist = popcount[bank ^ q].sum(axis=1)
        out.update((qi, int(ids[row]), int(dist[row])) for row in np.flatnonzero(dist <= r))
    return out


@pytest.fixture(scope="module")
def bank() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """200k random hashes (ids scrambled) and queries at known distances 0..40 plus random."""
    rng = np.random.default_rng(42)
    hashes = rng.integers(0, 256, (N, 32), dtype=np.uint8)
    ids = rng.permutation(N).astype(np.int64) * 3 + 10**12
    near = np.arange(41).repeat(3)
    queries = np.vstack(
        [
            _flip(hashes[rng.integers(0, N, near.size)], near, rng),
            rng.integers(0, 256, (60, 32), dtype=np.uint8),
        ]
    )
    return hashes, ids, queries


@pytest.fixture(scope="module")
def truth(bank: tuple[np.ndarray, np.ndarray, np.ndarray]) -> set[tuple[int, int, int]]:
    return _brute(*bank, 45)


@pytest.fixture(scope="module")
def index(bank: tuple[np.ndarray, np.ndarray, np.ndarray]) -> PdqIndex:
    return PdqIndex.build(bank[0], bank[1])


def _as_set(result: tuple[np.ndarray, np.ndarray, np.ndarray]) -> set[tuple[int, int, int]]:
    return set(zip(*(a.tolist() for a in result), strict=True))


@pytest.mark.parametrize("radius", [0, 8, 31, 45])
def test_full_recall_equals_brute_force(
    bank: Bank, truth: Truth, index: PdqIndex, radius: int
) -> None:
    got = index.query_many(bank[2], radius)
    assert _as_set(got) == {t for t in truth if t[2] <= radius}
    assert (
        len(set(zip(got[0].tolist(), got[1].tolist(), strict=True))) == got[0].size
    )  # no duplicates


def test_large_radius_scans_exactly_up_to_complete_difference() -> None:
    rng = np.random.default_rng(3)
    hashes = rng.integers(0, 256, (5_000, 32), dtype=np.uint8)
    idx = PdqIndex.build(hashes, np.arange(5_000))
    queries = np.vstack([hashes[:1], ~hashes[1:2]])
    assert _as_set(idx.query_many(queries, 256)) == _brute(hashes, np.arange(5_000), queries, 256)
    at_100 = _as_set(idx.query_many(queries, 100))
    assert (0, 0, 0) in at_100
    assert at_100 == _brute(hashes, np.arange(5_000), queries, 100)
    _, ids, dist = idx.query_many(~hashes[1:2], 256)
    assert dist[ids == 1].tolist() == [256]


def test_edge_distances_31_in_32_out(bank: Bank, index: PdqIndex) -> None:
    hashes, ids, _ = bank
    rng = np.random.default_rng(7)
    rows = rng.integers(0, N, 40)
    q = _flip(hashes[rows], np.array([31, 32] * 20), rng)
    qrow, got_ids, dist = index.query_many(q, 31)
    planted = {(i, int(ids[rows[i]])) for i in range(0, 40, 2)}
    assert planted <= set(zip(qrow.tolist(), got_ids.tolist(), strict=True))
    assert not {(i, int(ids[rows[i]])) for i in range(1, 40, 2)} & set(
        zip(qrow.tolist(), got_ids.tolist(), strict=True)
    )
    assert dist.max() <= 31


def test_results_sorted_by_query_then_distance(bank: Bank, index: PdqIndex) -> None:
    qrow, _, dist = index.query_many(bank[2], 40)
    keys = qrow * 1000 + dist
    assert np.all(np.diff(keys) >= 0)


def test_save_load_round_trip(tmp_path: Path, bank: Bank, index: PdqIndex) -> None:
    path = tmp_path / "bank.pdqidx"
    index.save(path)
    loaded = PdqIndex.load(path)
    assert len(loaded) == N
    for a, b in zip(loaded.query_many(bank[2], 31), index.query_many(bank[2], 31), strict=True):
        assert np.array_equal(a, b)


def test_damaged_or_missing_index_file_raises(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdqidx"
    bad.write_bytes(b"not an index")
    with pytest.raises(HashSetError):
        PdqIndex.load(bad)
    with pytest.raises(HashSetError):
        PdqIndex.load(tmp_path / "absent.pdqidx")


def test_duplicate_bank_hashes_return_every_id() -> None:
    hashes = np.repeat(np.arange(32, dtype=np.uint8)[None, :], 3, axis=0)
    idx = PdqIndex.build(hashes, np.array([5, 6, 7]))
    qrow, ids, dist = idx.query_many(hashes[:1], 0)
    assert ids.tolist() == [5, 6, 7] and qrow.tolist() == [0, 0, 0] and dist.tolist() == [0, 0, 0]


def test_empty_index_and_empty_queries() -> None:
    empty = PdqIndex.build(np.empty((0, 32), np.uint8), np.empty(0, np.int64))
    assert len(empty) == 0
    assert all(a.size == 0 for a in empty.query_many(np.zeros((3, 32), np.uint8), 31))
    one = PdqIndex.build(np.zeros((1, 32), np.uint8), np.array([1]))
    assert all(a.size == 0 for a in one.query_many(np.empty((0, 32), np.uint8), 31))


def test_bad_shapes_are_refused() -> None:
    with pytest.raises(HashSetError):
        PdqIndex.build(np.zeros((2, 16), np.uint8), np.array([1, 2]))
    with pytest.raises(HashSetError):
        PdqIndex.build(np.zeros((2, 32), np.uint8), np.array([1]))
    idx = PdqIndex.build(np.zeros((2, 32), np.uint8), np.array([1, 2]))
    with pytest.raises(HashSetError):
        idx.query_many(np.zeros((1, 32), np.uint8), 300)


def test_hex_parsing_round_trips_and_names_bad_input() -> None:
    hexes = ["00" * 32, "Ff" * 32, "0123456789abcdef" * 4]
    arr = pdq_hex_to_array(hexes)
    assert arr.shape == (3, 32) and arr.dtype == np.uint8
    assert [bytes(r).hex() for r in arr] == [h.lower() for h in hexes]
    with pytest.raises(FormatError, match="#1"):
        pdq_hex_to_array(["00" * 32, "zz" * 32])
    with pytest.raises(FormatError, match="#0"):
        pdq_hex_to_array(["abc"])


def _clustered_bank(rng: np.random.Generator) -> np.ndarray:
    """40k hashes: families of 5-50 near-duplicates, low-entropy templates, random."""
    sizes = rng.integers(5, 51, 800)
    family = np.repeat(rng.integers(0, 256, (800, 32), dtype=np.uint8), sizes, axis=0)[:20_000]
    family = _flip(family, rng.integers(0, 13, size=(family.shape[0],)), rng)
    tiled = np.tile(rng.integers(0, 256, (100, 2), dtype=np.uint8), 16)  # a 16-bit pattern
    runs = np.where(rng.random((100, 32)) < 0.5, 0, 255).astype(np.uint8)  # 0x00/0xFF bytes
    templates = np.vstack([tiled, runs, np.zeros((1, 32), np.uint8)])
    derived = templates[rng.integers(0, templates.shape[0], 8_000)]
    derived = _flip(derived, rng.integers(0, 13, size=(derived.shape[0],)), rng)
    rest = rng.integers(0, 256, (12_000, 32), dtype=np.uint8)
    return np.vstack([family, derived, rest])[rng.permutation(40_000)]


def test_full_recall_on_families_and_low_entropy_templates() -> None:
    """Structured banks (many hashes sharing segment keys) lose nothing and repeat nothing."""
    rng = np.random.default_rng(11)
    hashes = _clustered_bank(rng)
    ids = np.arange(hashes.shape[0], dtype=np.int64) + 7
    source = rng.integers(0, hashes.shape[0], 150)
    queries = np.vstack(
        [
            _flip(hashes[source], rng.integers(0, 25, 150), rng),
            rng.integers(0, 256, (50, 32), dtype=np.uint8),
        ]
    )
    truth = _brute(hashes, ids, queries, 31)
    got = PdqIndex.build(hashes, ids).query_many(queries, 31, workers=2)
    assert len(truth) > 2_000  # the clusters make many true pairs per query
    assert _as_set(got) == truth
    assert got[0].size == len(truth)  # each pair once


def test_differences_outside_the_prefilter_bits_are_verified_on_the_whole_hash() -> None:
    """Bits no table's pre-filter holds (the low half of words 1 and 3 of the shuffled
    layout) still count: 31 such flips match at 31, 32 do not match at 31."""
    rng = np.random.default_rng(11)
    hashes = rng.integers(0, 256, (20_000, 32), dtype=np.uint8)
    idx = PdqIndex.build(hashes, np.arange(20_000))
    words = mih.to_words(hashes[:40])
    hidden = [64 + 32 + b for b in range(32)] + [192 + 32 + b for b in range(32)]
    flips = np.array([31, 32] * 20)
    for row, count in enumerate(flips):
        for bit in rng.choice(hidden, int(count), replace=False):
            words[row, bit // 64] ^= np.uint64(1) << np.uint64(63 - bit % 64)
    queries = mih.to_bytes(words)
    got = _as_set(idx.query_many(queries, 31))
    assert got == _brute(hashes, np.arange(20_000), queries, 31)
    assert {(q, q, 31) for q in range(0, 40, 2)} <= got
    assert not any(q == i and q % 2 for q, i, _ in got)


def test_memory_is_hashes_ids_and_sixteen_bytes_a_hash_a_table() -> None:
    """32 + 8 bytes a hash, and per table 4 (row order) + 12 (96-bit pre-filter) bytes a
    hash plus 4 bytes a key: the figure docs/hashing.md quotes."""
    n = 50_000
    idx = PdqIndex.build(np.zeros((n, 32), np.uint8), np.arange(n), segments=16)
    offsets = sum(4 * ((1 << 16) + 1) for _ in range(16))
    assert idx.nbytes == 40 * n + 16 * 16 * n + offsets + 8 * 16
