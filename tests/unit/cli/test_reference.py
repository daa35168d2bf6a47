"""The CLI reference in docs/cli.md is the commands' own help; every verb answers --help."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from safeguard.cli.main import app
from safeguard.cli.reference import render_reference

DOC = Path(__file__).parents[3] / "docs" / "cli.md"


def _paths(command: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    subs = getattr(command, "commands", None) or {}
    out = [prefix] if prefix else []
    for name, sub in sorted(subs.items()):
        out += _paths(sub, (*prefix, name))
    return out


VERBS = _paths(typer.main.get_command(app))


def test_docs_cli_md_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == render_reference(app), "run `make docs`"


@pytest.mark.parametrize("verb", VERBS, ids=" ".join)
def test_every_verb_has_help(verb: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*verb, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    assert f"## `safeguard {' '.join(verb)}`" in DOC.read_text(encoding="utf-8")
