"""Benchmark: assessing a 100,000-account operation (target under 30 s).

The operation is generated, ingested, matched, attributed, resolved and enriched once
(cached under ``bench/out/assess/``). Then, in the same run and on the same store:

- anchor: the assess stage as it was before the ruleset file, overrides and versions
  (commit ``3e4e249``), extracted from git into a temporary package and run unchanged;
- ours: ``safeguard.assess.run`` with the built-in ruleset.

    .venv/bin/python bench/assess_speed.py --scale small
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

from safeguard import assess, attribute, ingest, match, resolve
from safeguard.assess.enrichment import load_checks, load_register
from safeguard.config import Settings
from safeguard.hashsets.importer import import_hash_set
from safeguard.store.db import Store
from safeguard.synth.generate import generate

ANCHOR_COMMIT = "3e4e249"
SCALES = {"small": 5_000, "full": 100_000}
OUT = Path(__file__).parent / "out" / "assess"
REPO = Path(__file__).resolve().parents[1]


def prepare(n: int) -> tuple[Store, Settings]:
    out = OUT / str(n)
    synth = out / "synth"
    if not (synth / "synth.json").is_file():
        generate(synth, accounts=n, seed=21, events_per_account=10)
    settings = Settings(
        data_dir=out / "data", database_url=f"sqlite:///{out / 'bench.db'}",
        geoip_city=synth / "geoip" / "Synth-City.mmdb",
        geoip_anonymous=synth / "geoip" / "Synth-Anonymous-IP.mmdb",
    )  # fmt: skip
    store = Store.open(settings)
    with store.transaction() as c:
        done = c.execute(text("SELECT 1 FROM stage_run WHERE stage = 'assess' LIMIT 1")).first()
    if done is None:
        ingest.run(store, settings, synth / "delivery", "op")
        for name, fmt in (("known.vics.json", "synthetic-vics"), ("known.csv", "synthetic-csv")):
            import_hash_set(store, synth / "hashsets" / name, name=fmt, user="bench")
        match.run(store, settings, "op")
        attribute.run(store, settings, "op")
        resolve.run(store, settings, "op")
        attribute.attribute_subjects(store, settings, "op")
        op_id = store.operation_id("op")
        load_checks(store, op_id, synth / "checks.csv", user="bench")
        load_register(store, op_id, synth / "register.csv")
        assess.run(store, settings, "op")
    return store, settings


def anchor_module(tmp: Path) -> Any:
    """The assess package of ANCHOR_COMMIT, imported as ``sg_assess_anchor``."""
    files = subprocess.run(
        ["git", "-C", str(REPO), "ls-tree", "-r", "--name-only", ANCHOR_COMMIT,
         "src/safeguard/assess"], check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    for name in files:
        body = subprocess.run(["git", "-C", str(REPO), "show", f"{ANCHOR_COMMIT}:{name}"],
                              check=True, capture_output=True, text=True).stdout  # fmt: skip
        dest = tmp / "sg_assess_anchor" / Path(name).relative_to("src/safeguard/assess")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(body.replace("safeguard.assess", "sg_assess_anchor"), encoding="utf-8")
    sys.path.insert(0, str(tmp))
    return importlib.import_module("sg_assess_anchor")


def timed(func: Any, *args: Any) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process): on a shared machine the CPU time is the
    steadier figure; SQLite runs in-process, so it counts the queries too."""
    start, cpu = time.perf_counter(), time.process_time()
    func(*args)
    return time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", choices=sorted(SCALES), default="small")
    args = ap.parse_args()
    n = SCALES[args.scale]
    store, settings = prepare(n)
    with tempfile.TemporaryDirectory() as tmp:
        anchor = anchor_module(Path(tmp))
        anchor_s, anchor_cpu = timed(anchor.run, store, settings, "op")
    ours_s, ours_cpu = timed(assess.run, store, settings, "op")
    with store.transaction() as c:
        subjects = c.execute(text("SELECT count(*) FROM assessment")).scalar()
    print(f"{n:,} accounts, {subjects:,} subjects: assess {ours_s:.1f}s wall, {ours_cpu:.1f}s "
          f"CPU (anchor {ANCHOR_COMMIT}: {anchor_s:.1f}s wall, {anchor_cpu:.1f}s CPU)")  # fmt: skip
    print(json.dumps({"bench": "assess_speed", "scale": args.scale, "accounts": n,
                      "subjects": subjects, "seconds": round(ours_s, 2),
                      "cpu_seconds": round(ours_cpu, 2), "anchor_seconds": round(anchor_s, 2),
                      "anchor_cpu_seconds": round(anchor_cpu, 2),
                      "speedup": round(anchor_s / ours_s, 3)}))  # fmt: skip


if __name__ == "__main__":
    main()
