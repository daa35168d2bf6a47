"""Benchmark: our exact PdqIndex against threatexchange's PDQ index and its faiss engines.

Banks and queries: :mod:`pdq_banks` (random and clustered banks, cached under
``bench/out/pdq``; 10,000 queries, half near-duplicates of bank hashes, half random);
radius 31. Each side runs in its own spawned process (so each memory figure is its own),
warmed up on 200 queries first, on the same number of threads (``--threads``, default 1).
The anchor is taken at its fastest mode of those that fit in memory:

- faiss ``IndexBinaryMultiHash(256, 16, 16)`` with ``nflip`` 1, the engine of
  threatexchange's ``PDQIndex`` (by pigeonhole it finds everything within 31), in one
  batched range search and one query a call; it needs ~``MH_BYTES_PER_HASH`` bytes a hash
  (measured and printed at every size run), so it is run only where that fits in the
  memory available (``MemAvailable`` less a margin);
- faiss ``IndexBinaryFlat`` (the engine of threatexchange's ``PDQFlatIndex``: exhaustive,
  32 bytes a hash) in one batched range search, at every size;
- threatexchange's ``PDQIndex.query`` one hash a call (banks up to ``--per-call-max``; its
  Python build holds every hash as a string).

The anchor is timed on fewer queries than ours (half near-duplicates, half random:
``anchor_rows``), ours on all 10,000. The speedup is anchor CPU time per query over ours
(CPU time, because the machine is shared; wall-clock rates are printed too). Memory: ours
is ``PdqIndex.nbytes``; the anchor's is the growth of its process's resident memory over
the build (the bank already in memory), both also per hash.

Checked for every bank and every size: no false positive (every pair we return is within
31 by an independent popcount over the bank, at the distance we report), and full recall
against an exhaustive scan (``pdq_banks.brute_pairs``) on 200 sampled queries and on every
planted near-duplicate; the anchor's pairs are checked the same way.

    .venv/bin/python bench/pdq_index.py --scale small
    .venv/bin/python bench/pdq_index.py --sizes 50000000 --banks random
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from pdq_banks import N_QUERIES, brute_pairs, load

SIZES = {"small": [1_000_000], "full": [1_000_000, 10_000_000, 50_000_000]}
BANKS = ("random", "clustered")
RADIUS = 31
#: Resident bytes a hash of faiss IndexBinaryMultiHash(256, 16, 16), as measured here
#: (the 32-byte codes plus 16 hash maps of vectors of 8-byte ids); used only to decide
#: whether it fits before building it.
MH_BYTES_PER_HASH = 300
MEMORY_MARGIN = 3 << 30


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def rss_bytes() -> int:
    """This process's resident memory now."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize()


def mem_available() -> int:
    with open("/proc/meminfo") as fh:
        fields = dict(line.split(":", 1) for line in fh)
    return int(fields["MemAvailable"].split()[0]) * 1024


def _timed(fn: Any, *args: Any) -> tuple[Any, float, float]:
    """fn(*args)'s result, its wall time and its process CPU time."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def anchor_rows(n: int, flat: bool = False) -> np.ndarray:
    """The queries an anchor is timed on: as many near-duplicates as random ones, fewer
    for larger banks (an exhaustive scan costs in proportion to the bank)."""
    count = 2_000 if n <= 1_000_000 else 400
    if flat:
        count = max(100, min(2_000, 2_000 * 1_000_000 // n))
    half = count // 2
    return np.concatenate([np.arange(half), N_QUERIES // 2 + np.arange(half)])


def run_ours(kind: str, n: int, threads: int) -> dict[str, Any]:
    from safeguard.hashsets.pdq_index import PdqIndex

    bank, queries, _ = load(kind, n)
    index, build_s, _ = _timed(PdqIndex.build, bank, np.arange(n, dtype=np.int64))
    del bank
    index.query_many(queries[:200], RADIUS, workers=threads)
    found, wall, cpu = _timed(lambda: index.query_many(queries, RADIUS, workers=threads))
    return {
        "build_s": build_s,
        "wall_per_q": wall / N_QUERIES,
        "cpu_per_q": cpu / N_QUERIES,
        "pairs": found,
        "rss_mb": peak_rss_mb(),
        "index_bytes": index.nbytes,
        "mode": f"PdqIndex.query_many, {index.segments} segments",
    }


def _faiss_search(index: Any, qs: np.ndarray, rows: np.ndarray) -> tuple[Any, float, float]:
    """One batched range search (after a warm-up): the pairs as (query row, id, distance)."""
    index.range_search(qs[:200], RADIUS + 1)
    (lims, dist, ids), wall, cpu = _timed(lambda: index.range_search(qs, RADIUS + 1))
    qrow = rows[np.repeat(np.arange(rows.size), np.diff(lims.astype(np.int64)))]
    return (qrow, ids.astype(np.int64), dist.astype(np.int32)), wall, cpu


def run_faiss(kind: str, n: int, threads: int, flat: bool) -> dict[str, Any]:
    """faiss IndexBinaryMultiHash (threatexchange's PDQIndex engine, nflip 1) or
    IndexBinaryFlat (PDQFlatIndex's): one batched range search, and for the multi-hash
    index also one query a call."""
    import faiss

    faiss.omp_set_num_threads(threads)
    bank, queries, _ = load(kind, n, in_memory=True)
    before = rss_bytes()
    index: Any = faiss.IndexBinaryFlat(256) if flat else faiss.IndexBinaryMultiHash(256, 16, 16)
    _, build_s, _ = _timed(index.add, bank)
    if not flat:
        index.nflip = RADIUS // 16  # as threatexchange's PDQMultiHashIndex sets it
    grown = rss_bytes() - before
    del bank
    rows = anchor_rows(n, flat)
    qs = np.ascontiguousarray(queries[rows])
    pairs, wall, cpu = _faiss_search(index, qs, rows)
    out = {
        "build_s": build_s,
        "wall_per_q": wall / rows.size,
        "cpu_per_q": cpu / rows.size,
        "pairs": pairs,
        "rows": rows,
        "rss_mb": peak_rss_mb(),
        "index_bytes": grown,
        "mode": f"faiss {'IndexBinaryFlat' if flat else 'IndexBinaryMultiHash'}, batched",
    }
    if not flat:
        _, call_wall, call_cpu = _timed(lambda: [index.range_search(q[None], 32) for q in qs])
        out.update(call_wall_per_q=call_wall / rows.size, call_cpu_per_q=call_cpu / rows.size)
    return out


def run_per_call(kind: str, n: int, threads: int) -> dict[str, Any]:
    """threatexchange's PDQIndex.query, one hash a call (the wrapper around the engine)."""
    import faiss
    from threatexchange.signal_type.pdq.pdq_index import PDQIndex

    faiss.omp_set_num_threads(threads)
    bank, queries, _ = load(kind, n)
    hexes = [row.tobytes().hex() for row in bank]
    del bank
    index, build_s, _ = _timed(PDQIndex, zip(hexes, range(n), strict=True))
    del hexes
    qhex = [queries[i].tobytes().hex() for i in anchor_rows(n)]
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


def truth_keys(kind: str, n: int) -> np.ndarray:
    """Pair keys (query row * n + bank row) within the radius: an exhaustive scan of 200
    sampled queries (100 near-duplicates, 100 random), and every planted pair within it."""
    bank, queries, planted = load(kind, n)
    rng = np.random.default_rng(1)
    half = N_QUERIES // 2
    sample = np.concatenate(
        [rng.choice(half, 100, replace=False), half + rng.choice(half, 100, replace=False)]
    )
    scanned = brute_pairs(bank, queries[sample], RADIUS)
    near = np.flatnonzero(planted >= 0)
    planted_keys = near * n + planted[near]
    planted_keys = planted_keys[distances(bank, queries, near, planted[near]) <= RADIUS]
    return np.union1d(sample[scanned[:, 0]] * n + scanned[:, 1], planted_keys)


def check(
    kind: str, n: int, truth: np.ndarray, pairs: tuple[np.ndarray, ...], rows: Any = None
) -> dict[str, Any]:
    """False positives, wrong distances and recall of ``pairs`` (found for query ``rows``,
    default all) against independent truth."""
    bank, queries, _ = load(kind, n)
    qrow, ids, dist = pairs
    true_d = distances(bank, queries, qrow, ids)
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


def _show(name: str, r: dict[str, Any], n: int) -> None:
    memory = f"  index {r['index_bytes'] / n:5.0f} B/hash" if "index_bytes" in r else ""
    print(
        f"  {name:6} {1 / r['cpu_per_q']:>9,.0f} q/s CPU  {1 / r['wall_per_q']:>9,.0f} q/s wall"
        f"  build {r['build_s']:6.1f} s  peak RSS {r['rss_mb']:7,.0f} MB{memory}  ({r['mode']})"
    )


def _anchor_modes(
    kind: str, n: int, threads: int, limits: tuple[int, int], truth: np.ndarray
) -> list[dict[str, Any]]:
    """Every anchor mode that fits, each checked against the truth (recall, false pairs)."""
    modes: list[dict[str, Any]] = []
    per_call_max, multihash_max = limits
    need = n * MH_BYTES_PER_HASH + MEMORY_MARGIN
    if n > multihash_max:
        print(
            f"  faiss IndexBinaryMultiHash not built: bank over --multihash-max {multihash_max:,}"
        )
    elif need < mem_available():
        batched = in_child(run_faiss, kind, n, threads, False)
        batched["check"] = check(kind, n, truth, batched.pop("pairs"), batched["rows"])
        per_query = {
            **batched,
            "wall_per_q": batched["call_wall_per_q"],
            "cpu_per_q": batched["call_cpu_per_q"],
            "mode": "faiss IndexBinaryMultiHash, one range search a query",
        }
        modes += [batched, per_query]
    else:
        print(
            f"  faiss IndexBinaryMultiHash not built: it needs ~{need / 2**30:.1f} GiB "
            f"({MH_BYTES_PER_HASH} B/hash + margin), {mem_available() / 2**30:.1f} GiB available"
        )
    flat = in_child(run_faiss, kind, n, threads, True)
    flat["check"] = check(kind, n, truth, flat.pop("pairs"), flat["rows"])
    modes.append(flat)
    if n <= per_call_max:
        modes.append(in_child(run_per_call, kind, n, threads))
    for mode in modes:
        _show("anchor", mode, n)
        if "check" in mode:
            print(f"         vs independent truth: {mode['check']}")
    return modes


def _anchor_figures(modes: list[dict[str, Any]], ours: dict[str, Any]) -> dict[str, Any]:
    by_mode = {m["mode"]: round(1 / m["cpu_per_q"]) for m in modes}
    anchor = min(modes, key=lambda r: float(r["cpu_per_q"]))
    checked = [m["check"] for m in modes if m.get("check")]
    return {
        "speedup": round(anchor["cpu_per_q"] / ours["cpu_per_q"], 2),
        "anchor_mode": anchor["mode"],
        "anchor_qps_cpu": round(1 / anchor["cpu_per_q"]),
        "anchor_qps_by_mode": by_mode,
        "anchor_recall": min(c["recall"] for c in checked),
        "anchor_false_positives": sum(c["false_positives"] for c in checked),
        "anchor_bytes_per_hash": {
            m["mode"]: round(m["index_bytes"] / ours["n"], 1) for m in modes if "index_bytes" in m
        },
    }


def bench_one(kind: str, n: int, threads: int, limits: tuple[int, int]) -> dict[str, Any]:
    print(f"{kind} bank of {n:,}, {N_QUERIES:,} queries, radius {RADIUS}, {threads} thread(s)")
    truth = truth_keys(kind, n)
    ours = in_child(run_ours, kind, n, threads)
    ours["n"] = n
    _show("ours", ours, n)
    quality = check(kind, n, truth, ours.pop("pairs"))
    print(f"         vs independent truth: {quality}")
    row: dict[str, Any] = {
        "bank": kind,
        "n": n,
        "ours_qps_cpu": round(1 / ours["cpu_per_q"]),
        "ours_qps_wall": round(1 / ours["wall_per_q"]),
        "ours_bytes_per_hash": round(ours["index_bytes"] / n, 1),
        "ours_build_s": round(ours["build_s"], 1),
        **quality,
    }
    modes = _anchor_modes(kind, n, threads, limits, truth)
    row.update(_anchor_figures(modes, ours))
    print(f"  speedup over the anchor's fastest mode ({row['anchor_mode']}): {row['speedup']}x")
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=sorted(SIZES), default="small")
    parser.add_argument("--sizes", type=int, nargs="*", help="bank sizes (default: by scale)")
    parser.add_argument("--banks", nargs="*", choices=BANKS, default=list(BANKS))
    parser.add_argument("--threads", type=int, default=1, help="threads for each side")
    parser.add_argument(
        "--per-call-max", type=int, default=1_000_000, help="largest bank for PDQIndex.query"
    )
    parser.add_argument(
        "--multihash-max",
        type=int,
        default=10_000_000,
        help="largest bank for IndexBinaryMultiHash (its build and search grow with the bank)",
    )
    args = parser.parse_args()
    limits = (args.per_call_max, args.multihash_max)
    rows = []
    for n in args.sizes or SIZES[args.scale]:
        for kind in args.banks:
            rows.append(bench_one(kind, n, args.threads, limits))
            print(json.dumps({"bench": "pdq_index", "partial": True, **rows[-1]}), flush=True)
    summary = {
        "bench": "pdq_index",
        "scale": args.scale,
        "speedup": min(r["speedup"] for r in rows),
        "recall": min(r["recall"] for r in rows),
        "false_positives": sum(r["false_positives"] for r in rows),
        "threads": args.threads,
        "runs": rows,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
