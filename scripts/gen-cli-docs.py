"""Rewrite docs/cli.md from the CLI's own help (run by `make docs`)."""

from pathlib import Path

from safeguard.cli.main import app
from safeguard.cli.reference import render_reference

target = Path(__file__).parents[1] / "docs" / "cli.md"
target.write_text(render_reference(app), encoding="utf-8")
print(f"wrote {target}")
