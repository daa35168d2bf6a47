"""Benchmark: ``safeguard --help`` and ``--version`` against a minimal two-command Typer app.

Anchor: the smallest Typer app (two commands) answering ``--help``, run in the same process
run, interleaved with ours. Target (issue 9, item 13): ours within 2.5x of the anchor.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo, for tests.support

from tests.support.startup import startup_times

REPEATS = {"small": 7, "full": 21}
TARGET = 2.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=sorted(REPEATS), default="small")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        t = startup_times(Path(work), REPEATS[args.scale])
    ratios = {k: t[k] / t["minimal_help"] for k in ("safeguard_help", "safeguard_version")}
    for name, seconds in t.items():
        print(f"{name}: {seconds * 1000:.0f} ms (median of {REPEATS[args.scale]})")
    for name, ratio in ratios.items():
        verdict = "within" if ratio <= TARGET else "OVER"
        print(f"{name} / minimal --help = {ratio:.2f}x ({verdict} the {TARGET}x target)")
    figures: dict[str, float] = {f"{k}_ms": round(v * 1000) for k, v in t.items()}
    figures.update({f"{k}_ratio": round(v, 2) for k, v in ratios.items()})
    speedup = t["minimal_help"] / max(t["safeguard_help"], t["safeguard_version"])
    print(
        json.dumps(
            {"bench": "cli_startup", "scale": args.scale, "speedup": round(speedup, 2), **figures}
        )
    )


if __name__ == "__main__":
    main()
