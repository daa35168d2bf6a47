"""Benchmark: ``safeguard ingest`` of a synthetic platform export against DuckDB loading it.

Anchor: DuckDB loading the same CSV tables into its own on-disk database
(``CREATE TABLE t AS SELECT * FROM read_csv(...)``), measured in the same process run.
Ours: ``safeguard.ingest.run`` into a fresh SQLite store (validation, normalisation,
quarantine, evidence copies, indexes included), then the same on PostgreSQL when a server
can be started. ``speedup`` = DuckDB seconds / our SQLite seconds (target >= 0.33).

    .venv/bin/python bench/ingest.py --scale small   # 10k accounts, ~1M events
    .venv/bin/python bench/ingest.py --scale full    # 100k accounts, ~10M events
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from safeguard.config import Settings
from safeguard.ingest import run
from safeguard.store.db import Store
from safeguard.synth import generate

SCALES = {"small": 10_000, "full": 100_000}
OUT = Path(__file__).parent / "out" / "ingest"


def _delivery(accounts: int) -> Path:
    """The cached synthetic delivery for ``accounts`` (generated once)."""
    root = OUT / f"synth-{accounts}"
    if not (root / "delivery" / "manifest.json").is_file():
        shutil.rmtree(root, ignore_errors=True)
        root.parent.mkdir(parents=True, exist_ok=True)
        generate(root, accounts=accounts, seed=7)
    return root / "delivery"


def _tables(delivery: Path) -> list[Path]:
    listed = json.loads((delivery / "manifest.json").read_text())["files"]
    return [delivery / name for name in sorted(listed)]


#: CPU seconds (all threads of this process) of the last timed run, by name.
CPU: dict[str, float] = {}


def _duckdb(delivery: Path, work: Path) -> float:
    """DuckDB on its default threads (one a core, as our ingest uses a writer thread and
    SQLite's sorter threads), warmed up on the smallest table into a throwaway database."""
    smallest = min(_tables(delivery), key=lambda p: p.stat().st_size)
    with duckdb.connect() as warm:
        warm.execute(f"CREATE TABLE w AS SELECT * FROM read_csv('{smallest}')")
    con = duckdb.connect(str(work / "anchor.duckdb"))
    started, cpu = time.perf_counter(), time.process_time()
    for path in _tables(delivery):
        con.execute(f"CREATE TABLE {path.stem} AS SELECT * FROM read_csv('{path}')")
    elapsed = time.perf_counter() - started
    CPU["duckdb"] = time.process_time() - cpu
    con.close()
    return elapsed


def _ours(delivery: Path, url: str, work: Path) -> tuple[float, int]:
    store = Store.open_url(url)
    settings = Settings(data_dir=work / "data", database_url=url)
    started, cpu = time.perf_counter(), time.process_time()
    result = run(store, settings, delivery, "bench")
    elapsed = time.perf_counter() - started
    CPU[store.dialect] = time.process_time() - cpu
    store.dispose()
    return elapsed, result.accepted + result.quarantined


def _postgres(delivery: Path, work: Path) -> float | None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo, for tests.support
    try:
        from tests.support.postgres import PostgresServer, find_pg_bin
    except ImportError:
        return None
    bin_dir = find_pg_bin()
    if bin_dir is None:
        return None
    server = PostgresServer.start(bin_dir)
    try:
        return _ours(delivery, server.create_database("bench_ingest"), work / "pg")[0]
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL run")
    args = parser.parse_args()
    delivery = _delivery(SCALES[args.scale])
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        ours, rows = _ours(delivery, f"sqlite:///{work}/t.db", work)
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        anchor = _duckdb(delivery, work)
        pg = None if args.no_postgres else _postgres(delivery, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    figures: dict[str, Any] = {
        "bench": "ingest",
        "scale": args.scale,
        "speedup": round(anchor / ours, 3),
        "rows": rows,
        "ours_sqlite_s": round(ours, 2),
        "duckdb_s": round(anchor, 2),
        "ours_postgres_s": None if pg is None else round(pg, 2),
        "rows_per_s_sqlite": round(rows / ours),
        "ours_sqlite_cpu_s": round(CPU["sqlite"], 2),
        "duckdb_cpu_s": round(CPU["duckdb"], 2),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "peak_rss_mb_ours": round(rss_mb),
    }
    print(f"rows (accepted + quarantined): {rows:,}")
    print(f"ours, SQLite:     {ours:8.2f} s  ({rows / ours:,.0f} rows/s)")
    if pg is not None:
        print(f"ours, PostgreSQL: {pg:8.2f} s  ({rows / pg:,.0f} rows/s)")
    print(f"DuckDB read_csv:  {anchor:8.2f} s")
    print(f"CPU seconds: ours (SQLite) {CPU['sqlite']:.2f}, DuckDB {CPU['duckdb']:.2f}"
          f"   load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    print(f"ratio ours/DuckDB: {ours / anchor:.2f}x   peak RSS (ours): {rss_mb:,.0f} MB")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
