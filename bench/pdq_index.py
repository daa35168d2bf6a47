"""Benchmark: our exact PdqIndex against threatexchange's PDQIndex (faiss multi-hash).

A bank of random PDQ hashes (10M at ``--scale full``, 1M at ``small``) and 10,000 queries:
half near-duplicates of bank hashes (0-20 bits flipped), half random. Each side runs in its
own spawned process of this run (so each peak RSS is its own) on the same bank and queries,
built from the same seed. Recall is measured against brute force on a sample of queries
and, for every near-duplicate query, on the planted bank hash.

    .venv/bin/python bench/pdq_index.py --scale small
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import time
from typing import Any

import numpy as np

SIZES = {"small": 1_000_000, "full": 10_000_000}
N_QUERIES = 10_000
RADIUS = 31
SEED = 20240531


def make_data(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bank (n,32) uint8, queries (10k,32) uint8, planted bank row per query or -1)."""
    rng = np.random.default_rng(SEED)
    bank = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    half = N_QUERIES // 2
    source = rng.integers(0, n, half)
    flips = rng.integers(0, 21, half)
    order = np.argsort(rng.random((half, 256)), axis=1)
    mask_bits = np.zeros((half, 256), dtype=np.uint8)
    chosen = order < flips[:, None]
    mask_bits[chosen] = 1
    near = bank[source] ^ np.packbits(mask_bits, axis=1)
    queries = np.vstack([near, rng.integers(0, 256, (N_QUERIES - half, 32), dtype=np.uint8)])
    planted = np.concatenate([source, np.full(N_QUERIES - half, -1)])
    return bank, queries, planted


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_ours(n: int) -> dict[str, Any]:
    from safeguard.hashsets.pdq_index import PdqIndex

    bank, queries, _ = make_data(n)
    t0 = time.perf_counter()
    index = PdqIndex.build(bank, np.arange(n, dtype=np.int64))
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    qrow, ids, _ = index.query_many(queries, RADIUS)
    query_s = time.perf_counter() - t0
    pairs = set(zip(qrow.tolist(), ids.tolist(), strict=True))
    return {"build_s": build_s, "query_s": query_s, "pairs": pairs, "rss_mb": peak_rss_mb()}


def run_anchor(n: int) -> dict[str, Any]:
    from threatexchange.signal_type.pdq.pdq_index import PDQIndex

    bank, queries, _ = make_data(n)
    hexes = [row.tobytes().hex() for row in bank]
    del bank
    t0 = time.perf_counter()
    index: Any = PDQIndex(zip(hexes, range(n), strict=True))
    build_s = time.perf_counter() - t0
    del hexes
    qhex = [row.tobytes().hex() for row in queries]
    pairs: set[tuple[int, int]] = set()
    t0 = time.perf_counter()
    for qi, q in enumerate(qhex):
        pairs.update((qi, int(m.metadata)) for m in index.query(q))
    query_s = time.perf_counter() - t0
    return {"build_s": build_s, "query_s": query_s, "pairs": pairs, "rss_mb": peak_rss_mb()}


def brute_truth(n: int, sample: np.ndarray) -> set[tuple[int, int]]:
    bank, queries, _ = make_data(n)
    words = bank.view(np.uint64)
    truth: set[tuple[int, int]] = set()
    for qi in sample.tolist():
        bits = np.bitwise_count(words ^ queries[qi].view(np.uint64)).astype(np.uint16)
        dist = bits[:, 0] + bits[:, 1] + bits[:, 2] + bits[:, 3]
        truth.update((qi, int(r)) for r in np.flatnonzero(dist <= RADIUS))
    return truth


def in_child(fn: Any, n: int) -> dict[str, Any]:
    with mp.get_context("spawn").Pool(1) as pool:
        result: dict[str, Any] = pool.apply(fn, (n,))
    return result


def recall(pairs: set[tuple[int, int]], truth: set[tuple[int, int]]) -> float:
    return len(pairs & truth) / len(truth) if truth else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=sorted(SIZES), default="small")
    args = parser.parse_args()
    n = SIZES[args.scale]
    print(f"bank {n:,} random PDQ hashes, {N_QUERIES:,} queries (half near-dup), radius {RADIUS}")
    ours = in_child(run_ours, n)
    print(
        f"ours:   build {ours['build_s']:.1f}s  {N_QUERIES / ours['query_s']:,.0f} q/s  "
        f"peak RSS {ours['rss_mb']:,.0f} MB"
    )
    anchor = in_child(run_anchor, n)
    print(
        f"anchor: build {anchor['build_s']:.1f}s  {N_QUERIES / anchor['query_s']:,.0f} q/s  "
        f"peak RSS {anchor['rss_mb']:,.0f} MB  (threatexchange PDQIndex)"
    )
    planted = make_data(n)[2]
    planted_truth = {(qi, int(r)) for qi, r in enumerate(planted.tolist()) if r >= 0}
    rng = np.random.default_rng(1)
    sample = np.concatenate(
        [
            rng.choice(N_QUERIES // 2, 100, replace=False),
            N_QUERIES // 2 + rng.choice(N_QUERIES // 2, 100, replace=False),
        ]
    )
    truth = brute_truth(n, sample) | planted_truth
    sampled = set(sample.tolist())

    def on_sample(p: set[tuple[int, int]]) -> set[tuple[int, int]]:
        return {x for x in p if x[0] in sampled or planted[x[0]] == x[1]}

    ours_recall = recall(on_sample(ours["pairs"]), truth)
    anchor_recall = recall(on_sample(anchor["pairs"]), truth)
    print(
        f"recall vs brute force ({len(truth):,} true pairs): ours {ours_recall:.4f}, "
        f"anchor {anchor_recall:.4f}"
    )
    speedup = anchor["query_s"] / ours["query_s"]
    print(f"speedup (anchor query time / ours): {speedup:.1f}x")
    print(
        json.dumps(
            {
                "bench": "pdq_index",
                "scale": args.scale,
                "speedup": round(speedup, 2),
                "recall": ours_recall,
                "anchor_recall": anchor_recall,
                "ours_qps": round(N_QUERIES / ours["query_s"], 1),
                "anchor_qps": round(N_QUERIES / anchor["query_s"], 1),
                "build_s": round(ours["build_s"], 2),
                "anchor_build_s": round(anchor["build_s"], 2),
                "rss_mb": round(ours["rss_mb"], 1),
                "anchor_rss_mb": round(anchor["rss_mb"], 1),
                "bank": n,
                "queries": N_QUERIES,
            }
        )
    )


if __name__ == "__main__":
    main()
