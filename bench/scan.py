"""Benchmark: device scans against Debian's hashdeep and against a plain triage loop.

The scanned tree (``bench/scan_tree.py``; cached under ``bench/out/scan-SCALE``) is a
phone extraction with a documents folder: camera JPEGs at phone sizes made from
scikit-image's sample photographs, received pictures, PNG screenshots, a few short
generated videos, PDFs, Word files, CSV and text, many small app files, large opaque
downloads, and zip/tar archives. ``--scale small`` is 120 MB (227 files), ``full``
5.4 GB (5,152 files); the output and the JSON line give the files and MB by kind.

In the same run, on the same files:

1. exact hashes, ``--rounds`` interleaved rounds (median reported): ``safeguard scan
   --exact-only`` (MD5, SHA-1 and SHA-256 of every file, stored in SQLite) against
   ``hashdeep -r -c md5,sha256`` (two hashes, one thread a core, printed to /dev/null);
2. full triage, once: ``safeguard scan`` (also content types, PDQ, vPDQ, archive members,
   matching, stored) against a plain single-process loop of hashlib (MD5, SHA-1,
   SHA-256) + Pillow full decode + ``pdqhash`` for every file Pillow opens (the anchor
   neither opens archives nor hashes videos, so it does less work).

Fairness: before **each** timed pass the whole tree is read once (so every pass starts
with the tree in the page cache: 5 GB fits in this machine's memory; the scan's SQLite
database is in a fresh temporary directory each pass); the anchor runs on one picture
before its clock starts (imports, Pillow's and pdqhash's first calls); both sides see
the same files. The machine is shared, so each pass records the load average at its start
and end and its CPU seconds (this process and its children: the scan's worker processes,
hashdeep).

    .venv/bin/python bench/scan.py --scale small
    .venv/bin/python bench/scan.py --scale full      # about an hour on 2 shared cores
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pdqhash
from PIL import Image

from safeguard import scan
from safeguard.config import Settings
from safeguard.store.db import Store

sys.path.insert(0, str(Path(__file__).parent))  # bench/scan_tree.py
from scan_tree import SCALES, cached_tree, composition


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _warm(files: list[Path]) -> None:
    for p in files:
        with p.open("rb") as fh:
            while fh.read(1 << 22):
                pass


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _timed(files: list[Path], run: Callable[[], None]) -> dict[str, float]:
    """One pass of ``run`` after a warm-up read of the tree: wall and CPU seconds, load."""
    _warm(files)
    load0, cpu0, start = os.getloadavg()[0], _cpu(), time.perf_counter()
    run()
    wall = time.perf_counter() - start
    return {
        "s": round(wall, 2),
        "cpu_s": round(_cpu() - cpu0, 1),
        "load": round((load0 + os.getloadavg()[0]) / 2, 1),
    }


def _hashdeep(root: Path) -> None:
    cmd = ["hashdeep", "-r", "-c", "md5,sha256", str(root)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def _ours(root: Path, work: Path, media: bool) -> None:
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        db = Path(tmp) / "scan.db"
        settings = Settings(data_dir=Path(tmp), database_url=f"sqlite:///{db}")
        store = Store.open(settings)
        try:
            scan.run(store, settings, scan.ScanRequest(root, "bench", media=media))
        finally:
            store.dispose()


def _plain_one(path: Path) -> None:
    digests = [hashlib.md5(), hashlib.sha1(), hashlib.sha256()]
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            for d in digests:
                d.update(chunk)
    try:
        with Image.open(path) as im:
            pixels = np.asarray(im.convert("RGB"))
    except Exception:  # the anchor is a plain loop: anything Pillow cannot open
        return
    pdqhash.compute(pixels)


def _plain_loop(root: Path) -> None:
    for path in sorted(root.rglob("*")):  # listing is timed on both sides
        if path.is_file():
            _plain_one(path)


def _rate(files: int, mb: float, seconds: float) -> dict[str, float]:
    return {"files_s": round(files / seconds, 1), "mb_s": round(mb / seconds, 1)}


def _exact_rounds(
    root: Path, files: list[Path], work: Path, rounds: range, passes: dict[str, list[Any]]
) -> None:
    """Rounds of hashdeep and ``--exact-only``, alternating which goes first."""
    for r in rounds:
        order = ("hashdeep", "exact") if r % 2 == 0 else ("exact", "hashdeep")
        for side in order:
            if side == "hashdeep":
                figures = _timed(files, lambda: _hashdeep(root))
            else:
                figures = _timed(files, lambda: _ours(root, work, media=False))
            passes[side].append(figures)
            print(f"  round {r + 1} {side}: {figures}", flush=True)


def _triage(root: Path, files: list[Path], work: Path) -> dict[str, Any]:
    anchor_picture = next(p for p in files if p.suffix == ".jpg")
    _plain_one(anchor_picture)  # warm-up, untimed
    passes = {"triage": _timed(files, lambda: _ours(root, work, True))}
    print(f"  triage: {passes['triage']}", flush=True)
    passes["plain_loop"] = _timed(files, lambda: _plain_loop(root))
    print(f"  plain loop: {passes['plain_loop']}", flush=True)
    return passes


def _median(passes: list[dict[str, float]]) -> float:
    return float(statistics.median(p["s"] for p in passes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--rounds", type=int, default=3, help="exact-hash rounds (median)")
    parser.add_argument("--exact-only", action="store_true", help="skip the triage passes")
    args = parser.parse_args()
    root = cached_tree(Path(__file__).parent / "out", args.scale)
    files = _files(root)
    mb = sum(p.stat().st_size for p in files) / 1e6
    kinds = composition(root)
    print(f"tree: {len(files):,} files, {mb:,.0f} MB at {root}")
    print("  " + ", ".join(f"{k} {v['files']:,} ({v['mb']:,.0f} MB)" for k, v in kinds.items()))
    n = len(files)
    figures: dict[str, Any] = {
        "bench": "scan",
        "scale": args.scale,
        "files": n,
        "mb": round(mb, 1),
        "kinds": kinds,
        "cores": len(os.sched_getaffinity(0)),
    }
    exact: dict[str, list[Any]] = {"hashdeep": [], "exact": []}
    triage: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="safeguard-bench-") as tmp:
        # one exact round first, the long triage pair, then the other exact rounds: a run
        # cut short still has figures for both comparisons
        _exact_rounds(root, files, Path(tmp), range(1), exact)
        if not args.exact_only:
            triage = _triage(root, files, Path(tmp))
        _exact_rounds(root, files, Path(tmp), range(1, args.rounds), exact)
    hashdeep_s, exact_s = _median(exact["hashdeep"]), _median(exact["exact"])
    figures |= {
        "hashdeep": _rate(n, mb, hashdeep_s),
        "exact": _rate(n, mb, exact_s),
        "exact_vs_hashdeep": round(hashdeep_s / exact_s, 2),
        "speedup": round(hashdeep_s / exact_s, 2),
    }
    print(
        f"hashdeep -c md5,sha256: {figures['hashdeep']}; ours --exact-only "
        f"(md5+sha1+sha256, stored): {figures['exact']} = {figures['exact_vs_hashdeep']}x"
    )
    if triage:
        triage_s, anchor_s = triage["triage"]["s"], triage["plain_loop"]["s"]
        figures |= {
            "triage": _rate(n, mb, triage_s),
            "plain_loop": _rate(n, mb, anchor_s),
            "speedup": round(anchor_s / triage_s, 2),
        }
        print(
            f"triage: {figures['triage']}; plain loop: {figures['plain_loop']} "
            f"= {figures['speedup']}x"
        )
    figures["passes"] = exact | triage
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
