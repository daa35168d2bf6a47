"""CLI start-up stays fast: registering every verb imports no stage, store or data library."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.startup import startup_times

#: Packages a command imports when it runs, never at start-up (--help, --version).
HEAVY = (
    "sqlalchemy", "alembic", "numpy", "pyarrow", "fastapi", "uvicorn", "phonenumbers",
    "shapely", "PIL", "maxminddb", "pdqhash", "safeguard.store", "safeguard.ingest",
    "safeguard.match", "safeguard.attribute", "safeguard.resolve", "safeguard.assess",
    "safeguard.package", "safeguard.track", "safeguard.pipeline", "safeguard.web",
    "safeguard.hashsets", "safeguard.synth", "rich.progress",
)  # fmt: skip

_PROBE = """
import contextlib, io, json, sys
from safeguard.cli.main import app
with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
    app(sys.argv[1:])
print(json.dumps(sorted(sys.modules)))
"""


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["ingest", "--help"]])
def test_start_up_imports_nothing_heavy(args: list[str]) -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], check=True, capture_output=True, text=True
    ).stdout
    loaded = json.loads(out.splitlines()[-1])
    heavy = sorted(m for m in loaded if m in HEAVY or m.startswith(tuple(f"{h}." for h in HEAVY)))
    assert heavy == []


@pytest.mark.slow
def test_help_and_version_within_a_generous_bound_of_a_minimal_typer_app(tmp_path: Path) -> None:
    """The target is 2.5x (``bench/cli_startup.py`` prints it); 4x here absorbs a busy CI box.

    Before lazy imports the ratio was about 20x."""
    t = startup_times(tmp_path, repeats=3)
    assert t["safeguard_version"] < 4 * t["minimal_help"], t
    assert t["safeguard_help"] < 4 * t["minimal_help"], t
