"""Benchmark: ``safeguard.synth.generate`` against stdlib ``csv`` writing the same rows.

Anchor: the same number of rows per event table written with ``csv.writer`` from rows that
are already Python tuples (a pool sampled from our own output, cycled), i.e. only the cost of
writing, with none of the generation. ``speedup`` = anchor seconds / our seconds.

    .venv/bin/python bench/synth.py --scale small   # 20k accounts, ~2M events
    .venv/bin/python bench/synth.py --scale full    # 100k accounts, ~10M events
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path

from safeguard.synth import generate

SCALES = {"small": 20_000, "full": 100_000}
EVENT_TABLES = ("logins.csv", "files.csv", "messages.csv")
POOL_ROWS = 50_000


def _pool(path: Path) -> tuple[list[str], list[tuple[str, ...]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, [tuple(r) for r in itertools.islice(reader, POOL_ROWS)]


def _anchor(delivery: Path, rows: dict[str, int], work: Path) -> float:
    """Seconds for csv.writer to write ``rows[table]`` pre-built tuples per event table."""
    pools = {t: _pool(delivery / t) for t in EVENT_TABLES}
    started = time.perf_counter()
    for table in EVENT_TABLES:
        header, pool = pools[table]
        with (work / f"anchor-{table}").open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows(itertools.islice(itertools.cycle(pool), rows[table]))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    args = parser.parse_args()
    accounts = SCALES[args.scale]
    work = Path(tempfile.mkdtemp(prefix="bench-synth-"))
    try:
        summary = generate(work / "op", accounts=accounts, seed=1)
        ours = summary.seconds
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        anchor = _anchor(work / "op" / "delivery", summary.rows, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    events = summary.events
    print(f"synth: {accounts:,} accounts, {summary.persons:,} persons, {events:,} events")
    print(f"ours:   {ours:8.2f} s  ({events / ours:,.0f} events/s, whole operation)")
    print(f"anchor: {anchor:8.2f} s  (stdlib csv writing the event rows only)")
    print(f"peak RSS: {rss_mb:,.0f} MB")
    print(json.dumps({
        "bench": "synth", "scale": args.scale, "speedup": round(anchor / ours, 3),
        "seconds": round(ours, 2), "anchor_seconds": round(anchor, 2), "events": events,
        "events_per_s": round(events / ours), "rss_mb": round(rss_mb), "accounts": accounts,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
