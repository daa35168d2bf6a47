"""Custom lexicons, lexicon errors and the ``safeguard synth`` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safeguard.cli.main import app
from safeguard.errors import FormatError
from safeguard.synth import generate, load_lexicon
from tests.unit.synth.conftest import read_csv


def test_shipped_lexicon_has_the_documented_structure() -> None:
    lexicon = load_lexicon()
    assert lexicon.version == 1
    assert {"contact_abuse", "access_to_children", "production", "facilitation"} <= set(
        lexicon.categories
    )


def test_a_custom_lexicon_drives_the_messages(tmp_path: Path) -> None:
    path = tmp_path / "lex.json"
    categories = {"contact_abuse": ["purple walrus"], "access_to_children": ["tangerine moon"]}
    path.write_text(json.dumps({"version": 1, "categories": categories}))
    generate(tmp_path / "op", accounts=200, seed=2, events_per_account=30, lexicon=path)
    texts = [m["text"] for m in read_csv(tmp_path / "op" / "delivery" / "messages.csv")]
    assert any("purple walrus" in t or "tangerine moon" in t for t in texts)
    assert not any("blue lighthouse" in t for t in texts)


@pytest.mark.parametrize(
    "content", ["not json", '{"categories": {"contact_abuse": []}}', '{"categories": {}}']
)
def test_a_malformed_lexicon_is_refused_with_a_clear_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "lex.json"
    path.write_text(content)
    with pytest.raises(FormatError, match=r"lex\.json"):
        load_lexicon(path)


def test_cli_writes_the_operation_and_prints_json(tmp_path: Path) -> None:
    out = tmp_path / "op"
    result = CliRunner().invoke(
        app, ["synth", str(out), "--accounts", "150", "--seed", "4", "--events-per-account", "10",
              "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["accounts"] == 150
    assert summary["events"] == sum(summary["rows"][t] for t in
                                    ("logins.csv", "files.csv", "messages.csv"))  # fmt: skip
    assert (out / "geoip" / "Synth-City.mmdb").is_file()
    again = CliRunner().invoke(app, ["synth", str(out), "--accounts", "150", "--seed", "4"])
    assert again.exit_code == 2
