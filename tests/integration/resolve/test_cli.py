"""`safeguard subjects`: analysts list, inspect, split, merge and undo from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safeguard.cli.main import app
from safeguard.config import Settings
from safeguard.resolve import run
from safeguard.store.db import Store
from tests.integration.resolve.builders import OpBuilder


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SAFEGUARD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SAFEGUARD_USER", "analyst7")
    settings = Settings(data_dir=tmp_path)
    store = Store.open(settings)
    b = OpBuilder(store)
    for pid in ("a1", "a2", "a3"):
        b.account(pid, pid)
        b.ident(pid, "payment_ref", "PAY-1")
    b.account("b1", "b1")
    run(store, settings, "op")
    store.dispose()
    return tmp_path


def _json(*args: str) -> object:
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_list_show_split_undo(data_dir: Path) -> None:
    listed = _json("subjects", "list", "-o", "op")
    assert isinstance(listed, list)
    assert sorted(d["accounts"] for d in listed) == [1, 3]
    big = next(d for d in listed if d["accounts"] == 3)
    shown = _json("subjects", "show", big["label"], "--operation", "op")
    assert isinstance(shown, dict)
    assert {a["platform_account_id"] for a in shown["accounts"]} == {"a1", "a2", "a3"}
    assert {link["linker"] for link in shown["links"]} == {"payment-ref"}
    done = _json("subjects", "split", "a3", "-o", "op", "-j", "different person on checks")
    assert isinstance(done, dict) and len(done["labels"]) == 1
    assert done["labels"] != [big["label"]]
    after = _json("subjects", "show", big["label"], "-o", "op")
    assert isinstance(after, dict), "the remaining accounts keep the label"
    assert [a["platform_account_id"] for a in after["accounts"]] == ["a1", "a2"]
    moved = _json("subjects", "show", done["labels"][0], "-o", "op")
    assert isinstance(moved, dict)
    assert [act["author"] for act in moved["actions"]] == ["analyst7"]
    undone = _json("subjects", "undo", str(done["action_id"]), "-j", "mistake")
    assert isinstance(undone, dict) and undone["subjects"] == 2


def test_merge_and_errors(data_dir: Path) -> None:
    listed = _json("subjects", "list", "-o", "op")
    assert isinstance(listed, list)
    labels = [d["label"] for d in listed]
    merged = _json("subjects", "merge", *labels, "-o", "op", "-j", "same person")
    assert isinstance(merged, dict) and merged["subjects"] == 1
    runner = CliRunner()
    missing = runner.invoke(app, ["subjects", "split", "zz", "-o", "op", "-j", "x"])
    assert missing.exit_code == 3 and "zz" in missing.output
    refused = runner.invoke(app, ["subjects", "undo", "999", "-j", " "])
    assert refused.exit_code == 5 and "justification" in refused.output
    no_why = runner.invoke(app, ["subjects", "merge", *labels, "-o", "op"])
    assert no_why.exit_code != 0


def test_the_web_subject_doc_has_the_links_and_actions_the_cli_shows(data_dir: Path) -> None:
    """The web's subject record (prepared column statements) and the CLI's `subjects show`
    name the same accounts, links and analysts' actions."""
    from safeguard.authz import Actor, Role
    from safeguard.web.queries import subject_doc

    analyst = Actor(1, "analyst7", Role.ANALYST)
    _json("subjects", "split", "a3", "-o", "op", "-j", "different person on checks")
    listed = _json("subjects", "list", "-o", "op")
    assert isinstance(listed, list)
    store = Store.open(Settings(data_dir=data_dir))
    try:
        docs = {d["label"]: subject_doc(store, "op", analyst, d["label"]) for d in listed}
    finally:
        store.dispose()
    pid = {a["id"]: a["platform_account_id"] for d in docs.values() for a in d["accounts"]}
    for label, web in docs.items():
        cli = _json("subjects", "show", label, "-o", "op")
        assert isinstance(cli, dict)
        assert [a["platform_account_id"] for a in web["accounts"]] == sorted(
            a["platform_account_id"] for a in cli["accounts"]
        )
        links = {(pid[x["account_a"]], pid[x["account_b"]], x["linker"]) for x in web["links"]}
        assert links == {(x["account_a"], x["account_b"], x["linker"]) for x in cli["links"]}
        actions = [
            (x["action"], x["author"], [pid[i] for i in x["accounts"]]) for x in web["actions"]
        ]
        assert actions == [(x["action"], x["author"], x["accounts"]) for x in cli["actions"]]
    assert sum(len(d["actions"]) for d in docs.values()) == 1  # the split, on a3's subject
    assert sum(len(d["links"]) for d in docs.values()) == 3  # a1-a2, a1-a3 twice
