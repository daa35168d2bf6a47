"""The `ingest` and `deliveries` verbs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safeguard.cli.main import app
from safeguard.ingest.testing import write_platform_export


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for key in ("SAFEGUARD_DATABASE_URL",):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("SAFEGUARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SAFEGUARD_USER", "analyst7")
    return write_platform_export(
        tmp_path / "d",
        {
            "accounts": [{"account_id": "a1", "phone": "nope"}, {"account_id": "a1", "phone": ""}],
            "logins": [{"account_id": "a1", "timestamp": "2020-01-01T00:00:00Z", "ip": "10.0.0.1"}],
        },
    )


def test_ingest_then_list_and_show(env: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["ingest", str(env), "-o", "op", "--json"])
    assert first.exit_code == 0, first.output
    doc = json.loads(first.stdout)
    assert doc["created"] and doc["tables"]["accounts.csv"]["quarantined"] == 1
    again = json.loads(runner.invoke(app, ["ingest", str(env), "-o", "op", "--json"]).stdout)
    assert (again["created"], again["delivery_id"]) == (False, doc["delivery_id"])
    listed = json.loads(runner.invoke(app, ["deliveries", "list", "--json"]).stdout)
    assert [(d["id"], d["ingested_by"], d["accepted"]) for d in listed] == [
        (doc["delivery_id"], "analyst7", 2)
    ]
    shown = runner.invoke(app, ["deliveries", "show", str(doc["delivery_id"]), "--json"])
    report = json.loads(shown.stdout)
    assert report["reasons"]["accounts.csv"] == {"bad_phone": 1, "duplicate_key": 1}
    assert {f["path"] for f in report["files"]} == {"manifest.json", "accounts.csv", "logins.csv"}


def test_rejected_delivery_exits_4_with_a_message(env: Path) -> None:
    (env / "logins.csv").write_text("account_id,timestamp,ip\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["ingest", str(env), "-o", "op"])
    assert result.exit_code == 4
    assert "checksum mismatch for logins.csv" in result.output


def test_unknown_delivery_exits_3(env: Path) -> None:
    assert CliRunner().invoke(app, ["deliveries", "show", "42"]).exit_code == 3


def test_quarantine_shows_the_rows_themselves(env: Path, tmp_path: Path) -> None:
    delivery = write_platform_export(
        tmp_path / "q",
        {
            "accounts": [
                {"account_id": "a1", "phone": "nope"},
                {"account_id": "a2", "phone": "=HYPERLINK(1)"},
                {"account_id": "a3", "phone": "+44 7700 900123"},
            ],
            "logins": [{"account_id": "a9", "timestamp": "2020-01-01T00:00:00Z", "ip": "x"}],
        },
    )  # lines: header 1, then one row a line
    runner = CliRunner()
    ingested = json.loads(
        runner.invoke(app, ["ingest", str(delivery), "-o", "op", "--json"]).stdout
    )
    ref = str(ingested["delivery_id"])
    doc = json.loads(runner.invoke(app, ["deliveries", "quarantine", ref, "--json"]).stdout)
    got = {(r["file"], r["line"], r["column"], r["reason"], r["value"]) for r in doc["rows"]}
    assert {
        ("accounts.csv", 2, "phone", "bad_phone", "nope"),
        ("accounts.csv", 3, "phone", "bad_phone", "=HYPERLINK(1)"),
    } <= got
    assert not any(r["line"] == 4 and r["file"] == "accounts.csv" for r in doc["rows"])
    assert {r["file"] for r in doc["rows"]} == {"accounts.csv", "logins.csv"}
    csv_out = runner.invoke(
        app, ["deliveries", "quarantine", ref, "--csv", "--reason", "bad_phone"]
    )
    lines = csv_out.stdout.splitlines()
    assert lines[0] == "file,line,column,reason,value,detail,raw"
    assert len(lines) == 3 and "accounts.csv,3,phone,bad_phone,'=HYPERLINK(1)," in lines[2]
    table = runner.invoke(app, ["deliveries", "quarantine", ref])
    assert table.exit_code == 0 and "=HYPERLINK(1)" in table.stdout and "bad_phone" in table.stdout
    missing = runner.invoke(app, ["deliveries", "quarantine", "999"])
    assert missing.exit_code == 3


def test_rerun_json_gives_each_run_with_counts_and_warnings(env: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(env), "-o", "op", "--json"]).exit_code == 0
    result = runner.invoke(app, ["rerun", "attribute", "-o", "op", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)  # one document: no progress or stage chatter on stdout
    assert (doc["operation"], doc["stages"]) == ("op", ["attribute"])
    accounts, _subjects = doc["runs"]  # accounts first, then subjects (none resolved yet)
    assert (accounts["stage"], accounts["status"], accounts["counts"]["attributed"]) == (
        "attribute", "ok", 1,
    )  # fmt: skip
    kept: dict[str, int] = {}
    for w in accounts["warnings"]:
        kept[w["kind"]] = kept.get(w["kind"], 0) + 1
    assert kept == accounts["counts"]["warnings"] and kept
    text = runner.invoke(app, ["rerun", "attribute", "-o", "op"]).stdout
    assert "re-ran attribute" in text and "attributed=1" in text


def test_listings_are_narrowed_to_the_operation(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = write_platform_export(tmp_path / "other", {"accounts": [{"account_id": "b1"}]})
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(env), "-o", "op"]).exit_code == 0
    assert runner.invoke(app, ["ingest", str(other), "-o", "op2"]).exit_code == 0

    def listed(*args: str) -> list[str]:
        out = runner.invoke(app, ["deliveries", "list", "--json", *args]).stdout
        return [d["operation"] for d in json.loads(out)]

    assert listed() == ["op", "op2"]
    assert listed("-o", "op") == ["op"]
    monkeypatch.setenv("SAFEGUARD_OPERATION", "op2")
    assert listed() == ["op2"]
    runs = json.loads(runner.invoke(app, ["runs", "--json"]).stdout)
    assert {r["operation"] for r in runs} == {"op2"}
