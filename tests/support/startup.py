"""CLI start-up time against a minimal two-command Typer app, measured in one run.

The anchor is the smallest real Typer app (two commands, ``--help``): what any Typer CLI pays.
Each command is run ``repeats`` times, interleaved so machine noise hits both alike; the
figure is the median wall time of fresh interpreter processes.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["MINIMAL_APP", "startup_times"]

MINIMAL_APP = """\
import typer

app = typer.Typer()


@app.command()
def first() -> None:
    "First."


@app.command()
def second() -> None:
    "Second."


app()
"""

_SAFEGUARD = "from safeguard.cli.main import main; main()"


def _wall(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, timeout=120)
    return time.perf_counter() - start


def startup_times(work: Path, repeats: int = 5) -> dict[str, float]:
    """Median seconds of the minimal app's --help and of safeguard --help and --version."""
    app = work / "minimal_typer_app.py"
    app.write_text(MINIMAL_APP, encoding="utf-8")
    commands = {
        "minimal_help": [sys.executable, str(app), "--help"],
        "safeguard_help": [sys.executable, "-c", _SAFEGUARD, "--help"],
        "safeguard_version": [sys.executable, "-c", _SAFEGUARD, "--version"],
    }
    for args in commands.values():  # warm the file cache and .pyc files
        _wall(args)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, args in commands.items():
            samples[name].append(_wall(args))
    return {name: statistics.median(values) for name, values in samples.items()}
