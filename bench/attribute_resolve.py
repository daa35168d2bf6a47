"""Benchmark: seconds and peak RSS of attribution + resolution on one large operation.

A synthetic operation (100k accounts, ~10M events at ``--scale full``; 20k at ``small``) is
generated, ingested and matched once (in a child process, cached under ``bench/out/quality``;
at ``full`` the operation of ``safeguard synth --accounts 100000 --seed 5``), then this
process runs ``attribute.run`` + ``resolve.run`` + ``attribute.attribute_subjects`` and
reports their seconds, CPU seconds (with the forked attribution workers) and peak RSS
(target: under 60 s and 3 GB together; the largest child process is reported too).

Anchor (same run, same store): networkx connected components over the strong identifier graph
(account -- identifier value edges), loaded with the same SQL; speedup = anchor seconds / our
resolve seconds (our stage also does weak linking, the network and all writes).

    .venv/bin/python bench/attribute_resolve.py --scale small
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from quality import OUT, anchor_clusters, prepare
from safeguard import attribute, resolve

SIZES = {"small": 20_000, "full": 100_000}
SEEDS = {"small": 7, "full": 5}  # full: the 100k operation of `safeguard synth --seed 5`


def _cpu() -> float:
    """CPU seconds of this process and its finished children (attribution's workers)."""
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _prepare_child(n: int, seed: int) -> None:
    store, _, _ = prepare(n, seed, OUT)
    store.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", choices=sorted(SIZES), default="small")
    args = ap.parse_args()
    n, seed = SIZES[args.scale], SEEDS[args.scale]
    child = mp.get_context("spawn").Process(target=_prepare_child, args=(n, seed))
    child.start()
    child.join()
    store, settings, _ = prepare(n, seed, OUT)
    with store.transaction() as conn:
        from sqlalchemy import text

        events = conn.execute(
            text("SELECT (SELECT COUNT(*) FROM login_event) + (SELECT COUNT(*) FROM file_event)")
        ).scalar_one()
    c0, t0 = _cpu(), time.perf_counter()
    attribute.run(store, settings, "op")
    t1 = time.perf_counter()
    result = resolve.run(store, settings, "op")
    t2 = time.perf_counter()
    attribute.attribute_subjects(store, settings, "op")
    t3 = time.perf_counter()
    cpu = _cpu() - c0  # CPU of this process and its workers: less noisy on a shared machine
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    a0 = time.perf_counter()
    comps = anchor_clusters(store)
    anchor_s = time.perf_counter() - a0
    resolve_s = t2 - t1
    total = t3 - t0
    print(f"{n:,} accounts, {events:,} events; {result.subjects:,} subjects")
    print(
        f"attribution {(t1 - t0) + (t3 - t2):.1f}s + resolution {resolve_s:.1f}s "
        f"= {total:.1f}s (target < 60 s; {cpu:.1f} s of CPU); "
        f"peak RSS {rss_mb:,.0f} MB (target <= 3072 MB; "
        f"largest child process {worker_rss_mb:,.0f} MB)"
    )
    print(f"anchor networkx components: {anchor_s:.1f}s, {len(comps):,} clusters")
    print(
        json.dumps(
            {
                "bench": "attribute_resolve",
                "scale": args.scale,
                "speedup": round(anchor_s / resolve_s, 3),
                "seconds": round(total, 2),
                "cpu_seconds": round(cpu, 2),
                "attribute_seconds": round((t1 - t0) + (t3 - t2), 2),
                "resolve_seconds": round(resolve_s, 2),
                "anchor_seconds": round(anchor_s, 2),
                "peak_rss_mb": round(rss_mb, 1),
                "worker_peak_rss_mb": round(worker_rss_mb, 1),
                "accounts": n,
                "events": int(events),
            }
        )
    )
    store.dispose()


if __name__ == "__main__":
    main()
