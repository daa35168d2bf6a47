"""Benchmark: our exact PdqIndex against threatexchange's PDQIndex and its faiss engine.

Banks (built from one seed, so both sides get the same hashes):

- ``random``: uniform random PDQ hashes;
- ``clustered``: half the bank in families of 5-50 near-duplicates (0-12 bits from the
  family's first hash), a fifth derived from 2,000 low-entropy templates (a 16-bit pattern
  tiled, or runs of 0x00/0xFF bytes, with 0-12 bits flipped), the rest random.

10,000 queries: half near-duplicates of bank hashes (0-20 bits flipped), half random;
radius 31. Each side runs in its own spawned process (so each peak RSS is its own), warmed
up on 200 queries first, on the same number of threads (``--threads``, default 1). The
anchor is taken at its fastest mode of three: faiss ``IndexBinaryMultiHash`` (the engine of
threatexchange's ``PDQIndex``: 16 tables of 16 bits, one flipped bit, which by pigeonhole
finds everything within 31) in one batched range search, the same engine one query a call,
and threatexchange's ``PDQIndex.query`` one hash a call (banks up to ``--per-call-max``).
The anchor is timed on 2,000 of the queries (1,000 of each half); ours on all 10,000. The
speedup is anchor CPU time per query over ours (CPU time, because the machine is shared;
wall-clock rates are printed too).

Checked for every bank: no false positive (every pair we return is within 31 by an
independent popcount over the bank, at the distance we report), and full recall against
brute force on 200 sampled queries and on every planted near-duplicate.

    .venv/bin/python bench/pdq_index.py --scale small
    .venv/bin/python bench/pdq_index.py --sizes 50000000 --anchor-max 10000000
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import time
from typing import Any

import numpy as np

SIZES = {"small": [1_000_000], "full": [1_000_000, 10_000_000]}
BANKS = ("random", "clustered")
N_QUERIES = 10_000
PER_CALL_QUERIES = 2_000
RADIUS = 31
SEED = 20240531
N_TEMPLATES = 2_000


def flip_bits(rows: np.ndarray, counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``rows`` with up to ``counts[i]`` random bits of row ``i`` flipped."""
    out = rows.copy()
    index = np.arange(rows.shape[0])
    for t in range(int(counts.max(initial=0))):
        pos = rng.integers(0, 256, size=(rows.shape[0],))
        active = index[counts > t]
        out[active, pos[active] // 8] ^= (1 << (7 - pos[active] % 8)).astype(np.uint8)
    return out


def _templates(rng: np.random.Generator) -> np.ndarray:
    half = N_TEMPLATES // 2
    tiled = np.tile(rng.integers(0, 256, (half, 2), dtype=np.uint8), 16)
    runs = np.where(rng.random((N_TEMPLATES - half, 32)) < 0.5, 0, 255).astype(np.uint8)
    return np.vstack([tiled, runs])


def clustered_bank(n: int, rng: np.random.Generator) -> np.ndarray:
    """Half families of 5-50 near-duplicates, a fifth from low-entropy templates, rest random."""
    sizes = rng.integers(5, 51, n // 2 // 5 + 1)
    sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), n // 2)) + 1]
    bases = rng.integers(0, 256, (sizes.size, 32), dtype=np.uint8)
    family = np.repeat(bases, sizes, axis=0)[: n // 2]
    family = flip_bits(family, rng.integers(0, 13, size=(family.shape[0],)), rng)
    derived = _templates(rng)[rng.integers(0, N_TEMPLATES, n // 5)]
    derived = flip_bits(derived, rng.integers(0, 13, size=(derived.shape[0],)), rng)
    rest = rng.integers(0, 256, (n - family.shape[0] - derived.shape[0], 32), dtype=np.uint8)
    bank = np.vstack([family, derived, rest])
    return bank[rng.permutation(n)]


def make_data(kind: str, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bank (n,32) uint8, queries (10k,32) uint8, planted bank row per query or -1)."""
    rng = np.random.default_rng(SEED)
    if kind == "random":
        bank = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    else:
        bank = clustered_bank(n, rng)
    half = N_QUERIES // 2
    source = rng.integers(0, n, half)
    near = flip_bits(bank[source], rng.integers(0, 21, half), rng)
    queries = np.vstack([near, rng.integers(0, 256, (N_QUERIES - half, 32), dtype=np.uint8)])
    planted = np.concatenate([source, np.full(N_QUERIES - half, -1)])
    return bank, queries, planted


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _timed(fn: Any, *args: Any) -> tuple[Any, float, float]:
    """fn(*args)'s result, its wall time and its process CPU time."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def run_ours(kind: str, n: int, threads: int) -> dict[str, Any]:
    from safeguard.hashsets.pdq_index import PdqIndex

    bank, queries, _ = make_data(kind, n)
    index, build_s, _ = _timed(lambda: PdqIndex.build(bank, np.arange(n, dtype=np.int64)))
    index.query_many(queries[:200], RADIUS, workers=threads)
    found, wall, cpu = _timed(lambda: index.query_many(queries, RADIUS, workers=threads))
    qrow, ids, dist = found
    return {
        "build_s": build_s,
        "wall_per_q": wall / N_QUERIES,
        "cpu_per_q": cpu / N_QUERIES,
        "pairs": (qrow, ids, dist),
        "rss_mb": peak_rss_mb(),
        "mode": f"PdqIndex.query_many, {index.segments} segments",
    }


def anchor_rows() -> np.ndarray:
    """The queries the anchor is timed on: 1,000 near-duplicates and 1,000 random."""
    half = PER_CALL_QUERIES // 2
    return np.concatenate([np.arange(half), N_QUERIES // 2 + np.arange(half)])


def run_faiss(kind: str, n: int, threads: int) -> dict[str, Any]:
    """threatexchange's engine, faiss IndexBinaryMultiHash(256, 16, 16) with nflip 1, in
    one batched range search and one query a call; the faster mode is the anchor."""
    import faiss

    faiss.omp_set_num_threads(threads)
    bank, queries, _ = make_data(kind, n)

    def build(hashes: np.ndarray) -> Any:
        index = faiss.IndexBinaryMultiHash(256, 16, 16)
        index.add(hashes)
        index.nflip = RADIUS // 16  # as threatexchange's PDQMultiHashIndex sets it
        return index

    index, build_s, _ = _timed(build, bank)
    del bank
    rows = anchor_rows()
    qs = np.ascontiguousarray(queries[rows])
    index.range_search(qs[:200], RADIUS + 1)
    found, wall, cpu = _timed(lambda: index.range_search(qs, RADIUS + 1))
    lims, dist, ids = found
    qrow = rows[np.repeat(np.arange(rows.size), np.diff(lims.astype(np.int64)))]
    _, call_wall, call_cpu = _timed(lambda: [index.range_search(q[None], RADIUS + 1) for q in qs])
    return {
        "build_s": build_s,
        "wall_per_q": wall / rows.size,
        "cpu_per_q": cpu / rows.size,
        "call_wall_per_q": call_wall / rows.size,
        "call_cpu_per_q": call_cpu / rows.size,
        "pairs": (qrow, ids.astype(np.int64), dist.astype(np.int32)),
        "rss_mb": peak_rss_mb(),
        "mode": "faiss IndexBinaryMultiHash, one batched range search",
    }


def run_per_call(kind: str, n: int, threads: int) -> dict[str, Any]:
    """threatexchange's PDQIndex.query, one hash a call (the wrapper around the engine)."""
    import faiss
    from threatexchange.signal_type.pdq.pdq_index import PDQIndex

    faiss.omp_set_num_threads(threads)
    bank, queries, _ = make_data(kind, n)
    hexes = [row.tobytes().hex() for row in bank]
    del bank
    index, build_s, _ = _timed(PDQIndex, zip(hexes, range(n), strict=True))
    del hexes
    qhex = [queries[i].tobytes().hex() for i in anchor_rows()]
    for q in qhex[:200]:
        index.query(q)
    found, wall, cpu = _timed(lambda: [index.query(q) for q in qhex])
    return {
        "build_s": build_s,
        "wall_per_q": wall / len(qhex),
        "cpu_per_q": cpu / len(qhex),
        "rss_mb": peak_rss_mb(),
        "mode": "threatexchange PDQIndex.query per call",
        "matches": sum(len(m) for m in found),
    }


def in_child(fn: Any, *args: Any) -> dict[str, Any]:
    with mp.get_context("spawn").Pool(1) as pool:
        result: dict[str, Any] = pool.apply(fn, args)
    return result


def distances(bank: np.ndarray, queries: np.ndarray, qrow: np.ndarray, ids: np.ndarray) -> Any:
    """Independent popcount distance of each (query row, bank row) pair (byte table)."""
    table = np.array([bin(b).count("1") for b in range(256)], dtype=np.int32)
    out = np.empty(qrow.size, dtype=np.int32)
    for lo in range(0, qrow.size, 1 << 20):
        sl = slice(lo, lo + (1 << 20))
        out[sl] = table[bank[ids[sl]] ^ queries[qrow[sl]]].sum(axis=1)
    return out


def brute_truth(bank: np.ndarray, queries: np.ndarray, sample: np.ndarray) -> np.ndarray:
    """Pair keys (query row * n + bank row) within the radius, by exhaustive search."""
    words = bank.view(np.uint64)
    keys = []
    for qi in sample.tolist():
        bits = np.bitwise_count(words ^ queries[qi].view(np.uint64)).astype(np.uint16)
        dist = bits[:, 0] + bits[:, 1] + bits[:, 2] + bits[:, 3]
        keys.append(qi * bank.shape[0] + np.flatnonzero(dist <= RADIUS))
    return np.concatenate(keys)


def check(
    kind: str, n: int, pairs: tuple[np.ndarray, ...], rows: np.ndarray | None = None
) -> dict[str, Any]:
    """False positives, wrong distances and recall of ``pairs`` (found for query ``rows``,
    default all) against independent truth."""
    bank, queries, planted = make_data(kind, n)
    qrow, ids, dist = pairs
    true_d = distances(bank, queries, qrow, ids)
    rng = np.random.default_rng(1)
    half = N_QUERIES // 2
    sample = np.concatenate(
        [rng.choice(half, 100, replace=False), half + rng.choice(half, 100, replace=False)]
    )
    near = np.flatnonzero(planted >= 0)
    planted_keys = near * n + planted[near]
    planted_keys = planted_keys[distances(bank, queries, near, planted[near]) <= RADIUS]
    truth = np.union1d(brute_truth(bank, queries, sample), planted_keys)
    if rows is not None:
        truth = truth[np.isin(truth // n, rows)]
    got = qrow.astype(np.int64) * n + ids
    return {
        "pairs": int(qrow.size),
        "false_positives": int(np.count_nonzero(true_d > RADIUS)),
        "wrong_distances": int(np.count_nonzero(true_d != dist)),
        "duplicates": int(qrow.size - np.unique(got).size),
        "recall": float(np.isin(truth, got).mean()) if truth.size else 1.0,
        "true_pairs_checked": int(truth.size),
    }


def _show(name: str, r: dict[str, Any]) -> None:
    print(
        f"  {name:7} {1 / r['cpu_per_q']:>9,.0f} q/s CPU  {1 / r['wall_per_q']:>9,.0f} q/s wall"
        f"  build {r['build_s']:6.1f} s  peak RSS {r['rss_mb']:7,.0f} MB  ({r['mode']})"
    )


def bench_one(
    kind: str, n: int, threads: int, anchor_max: int, per_call_max: int
) -> dict[str, Any]:
    print(f"{kind} bank of {n:,}, {N_QUERIES:,} queries, radius {RADIUS}, {threads} thread(s)")
    ours = in_child(run_ours, kind, n, threads)
    _show("ours", ours)
    quality = check(kind, n, ours.pop("pairs"))
    print(f"  ours vs independent truth: {quality}")
    row: dict[str, Any] = {"bank": kind, "n": n, "ours_qps_cpu": round(1 / ours["cpu_per_q"])}
    row.update(quality)
    if n > anchor_max:
        return row
    batched = in_child(run_faiss, kind, n, threads)
    _show("faiss", batched)
    per_query = {
        **batched,
        "wall_per_q": batched["call_wall_per_q"],
        "cpu_per_q": batched["call_cpu_per_q"],
        "mode": "faiss IndexBinaryMultiHash, one range search a query",
    }
    _show("faiss", per_query)
    anchor_quality = check(kind, n, batched.pop("pairs"), anchor_rows())
    print(f"  faiss vs independent truth: {anchor_quality}")
    modes = [batched, per_query]
    if n <= per_call_max:
        modes.append(in_child(run_per_call, kind, n, threads))
        _show("te", modes[-1])
    anchor = min(modes, key=lambda r: float(r["cpu_per_q"]))
    speedup = anchor["cpu_per_q"] / ours["cpu_per_q"]
    print(f"  speedup over the anchor's fastest mode ({anchor['mode']}): {speedup:.1f}x")
    row.update(
        speedup=round(speedup, 2),
        anchor_recall=anchor_quality["recall"],
        anchor_qps_cpu=round(1 / anchor["cpu_per_q"]),
        faiss_qps_cpu=round(1 / batched["cpu_per_q"]),
        faiss_per_query_qps_cpu=round(1 / per_query["cpu_per_q"]),
        per_call_qps_cpu=round(1 / modes[2]["cpu_per_q"]) if len(modes) > 2 else None,
        anchor_mode=anchor["mode"],
        rss_mb=round(ours["rss_mb"]),
        anchor_rss_mb=round(batched["rss_mb"]),
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=sorted(SIZES), default="small")
    parser.add_argument("--sizes", type=int, nargs="*", help="bank sizes (default: by scale)")
    parser.add_argument("--banks", nargs="*", choices=BANKS, default=list(BANKS))
    parser.add_argument("--threads", type=int, default=1, help="threads for each side")
    parser.add_argument("--anchor-max", type=int, default=10_000_000, help="largest anchored bank")
    parser.add_argument(
        "--per-call-max", type=int, default=1_000_000, help="largest bank for PDQIndex.query"
    )
    args = parser.parse_args()
    rows = [
        bench_one(kind, n, args.threads, args.anchor_max, args.per_call_max)
        for n in args.sizes or SIZES[args.scale]
        for kind in args.banks
    ]
    speedups = [r["speedup"] for r in rows if "speedup" in r]
    summary = {
        "bench": "pdq_index",
        "scale": args.scale,
        "speedup": min(speedups) if speedups else None,
        "recall": min(r["recall"] for r in rows),
        "false_positives": sum(r["false_positives"] for r in rows),
        "threads": args.threads,
        "runs": rows,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
