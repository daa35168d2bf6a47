"""Determinism, layout, manifest checksums and FORMATS columns of a synthetic operation."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from safeguard.errors import ConfigError
from safeguard.synth import generate
from tests.unit.synth.conftest import ACCOUNTS, read_csv

FORMATS_COLUMNS = {
    "accounts.csv": {"account_id", "username", "display_name", "email", "phone", "created_at",
                     "date_of_birth", "declared_country", "declared_city", "declared_postcode",
                     "bio"},
    "logins.csv": {"account_id", "timestamp", "ip", "event", "port", "user_agent", "device_id"},
    "files.csv": {"event_id", "account_id", "timestamp", "direction", "counterpart_account_id",
                  "file_name", "file_size", "md5", "sha1", "sha256", "pdq", "pdq_quality",
                  "media_type"},
    "messages.csv": {"message_id", "timestamp", "sender_account_id", "recipient_account_ids",
                     "text"},
    "identifiers.csv": {"account_id", "kind", "value", "first_seen", "last_seen"},
}  # fmt: skip


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        generate(tmp_path / name, accounts=300, seed=seed, events_per_account=20)
    a, b, c = (_digests(tmp_path / x) for x in "abc")
    assert len([k for k in a if not k.startswith("cybertipline/")]) == 14
    assert "cybertipline/cybertipline.json" in a and "cybertipline/500000001/report.xml" in a
    assert a == b
    differing = {k for k in a if a[k] != c.get(k)}
    assert {"delivery/accounts.csv", "delivery/files.csv", "ground_truth.json"} <= differing


def test_manifest_lists_the_sha256_of_every_table(operation: Path) -> None:
    manifest = json.loads((operation / "delivery" / "manifest.json").read_text())
    assert manifest["format"] == "safeguard-platform-export"
    assert manifest["version"] == 1
    assert set(manifest["grading"]) == {"source", "intelligence", "handling", "conditions"}
    assert set(manifest["files"]) == set(FORMATS_COLUMNS)
    for name, digest in manifest["files"].items():
        data = (operation / "delivery" / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest


@pytest.mark.parametrize("name", sorted(FORMATS_COLUMNS))
def test_every_table_has_the_formats_columns(operation: Path, name: str) -> None:
    rows = read_csv(operation / "delivery" / name)
    assert rows, name
    assert set(rows[0]) == FORMATS_COLUMNS[name]


def test_synth_json_counts_match_the_files(operation: Path) -> None:
    info = json.loads((operation / "synth.json").read_text())
    counts = info["counts"]
    assert counts["accounts"] == ACCOUNTS
    for name, rows in counts["rows"].items():
        path = operation / ("delivery" if name in FORMATS_COLUMNS else "") / name
        assert len(read_csv(path)) == rows, name
    assert counts["events"] == sum(counts["rows"][t] for t in
                                   ("logins.csv", "files.csv", "messages.csv"))  # fmt: skip


def test_refuses_a_non_empty_directory_and_bad_parameters(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not empty"):
        generate(tmp_path / "x", accounts=100, seed=1)
    assert (tmp_path / "x" / "keep.txt").read_text() == "mine"
    with pytest.raises(ConfigError, match="uk-share"):
        generate(tmp_path / "y", accounts=100, seed=1, uk_share=1.5)
    with pytest.raises(ConfigError, match="accounts"):
        generate(tmp_path / "z", accounts=0, seed=1)
    assert not (tmp_path / "y").exists()
