"""`safeguard hashsets ...` and `safeguard match ...` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from safeguard.cli.main import app
from safeguard.hashing import hash_file, pdq_of_image
from tests.unit.hashsets.samples import full_entries, write_sample


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SAFEGUARD_DATA_DIR", str(tmp_path / "data"))
    for key in ("SAFEGUARD_DATABASE_URL", "SAFEGUARD_PDQ_MAX_DISTANCE"):
        monkeypatch.delenv(key, raising=False)
    return tmp_path


def _run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_import_list_stats_export(env: Path) -> None:
    path = write_sample("vics", env, full_entries(6))
    assert "6 added" in _run("hashsets", "import", str(path), "--name", "p")
    assert "nothing changed" in _run("hashsets", "import", str(path), "--name", "p")
    (listed,) = json.loads(_run("hashsets", "list", "--json"))
    assert (listed["name"], listed["active_entries"]) == ("p", 6)
    stats = json.loads(_run("hashsets", "stats", "p", "--json"))
    assert stats["by_category"] == {"A": 2, "B": 2, "C": 2}
    assert stats["by_hash"]["md5"] == 6
    out = env / "p.csv"
    _run("hashsets", "export", "p", str(out))
    assert len(out.read_text().splitlines()) == 7


def test_missing_set_is_a_clear_error(env: Path) -> None:
    result = CliRunner().invoke(app, ["hashsets", "stats", "nope"])
    assert result.exit_code == 3
    assert "no hash set named 'nope'" in result.output


def test_match_hex_and_image_file(env: Path) -> None:
    rng = np.random.default_rng(4)
    pixels = (rng.random((64, 64, 3)) * 255).astype(np.uint8)
    image = env / "generated.png"
    Image.fromarray(pixels).resize((256, 256)).save(image)
    h, pdq = hash_file(image), pdq_of_image(image)
    known = env / "known.csv"
    known.write_text(f"md5,pdq,category\n{h.md5},,B\n,{pdq.hex},A\n")
    _run("hashsets", "import", str(known), "--name", "k")
    docs = json.loads(_run("match", str(image), "f" * 40, "--json"))
    got = sorted((d["method"], d["category"], d["distance"], d["set"]) for d in docs)
    assert got == [("md5", "B", 0, "k"), ("pdq", "A", 0, "k")]
    assert "no match" in _run("match", "f" * 40)
    bad = CliRunner().invoke(app, ["match", "xyz"])
    assert bad.exit_code == 1 and "neither a file nor" in bad.output
