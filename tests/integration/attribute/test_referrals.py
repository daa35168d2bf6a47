from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from safeguard.attribute import attribute_subjects, run
from safeguard.attribute.lookup import show_attribution
from safeguard.attribute.referrals import (
    CSV_COLUMNS,
    neutralise,
    referral_list,
    referrals_csv,
    referrals_json,
)
from safeguard.config import Settings
from safeguard.errors import NotFoundError
from safeguard.store.db import Store
from tests.integration.attribute.conftest import Acct, add_subject, build

ACCOUNTS = [
    Acct("uk", postcode="OX1 2JD", logins=[("2.125.160.216", 12, 30)]),
    Acct("=cmd()", phone="+14155550123", logins=[("216.160.83.56", 8, 40)]),
    Acct("us2", logins=[("214.78.120.1", 5, 20)]),
    Acct("se", logins=[("89.160.20.112", 6, 30)]),
    Acct("ghost"),
]


@pytest.fixture
def attributed(store: Store, geo_settings: Settings) -> dict[str, int]:
    ids = build(store, "op", ACCOUNTS)
    run(store, geo_settings, "op")
    add_subject(store, "op", "S-US", [ids["=cmd()"], ids["us2"]])
    attribute_subjects(store, geo_settings, "op")
    return ids


def test_non_uk_grouped_by_country(store: Store, attributed: dict[str, int]) -> None:
    rows = referral_list(store, "op")
    assert [(r.country, r.kind, r.reference) for r in rows] == [
        ("SE", "account", "p:se"),
        ("US", "subject", "S-US"),
        ("US", "account", "p:=cmd()"),
        ("US", "account", "p:us2"),
    ]
    subject = rows[1]
    assert (subject.accounts, subject.ips, subject.logins) == (2, 2, 13)
    assert rows[2].subject == "S-US"
    assert rows[2].phones == "+14155550123"
    doc = referrals_json("op", rows)
    assert [(c["country"], c["subjects"], c["accounts"]) for c in doc["countries"]] == [
        ("SE", 0, 1),
        ("US", 1, 2),
    ]


def test_csv_has_stable_columns_and_no_formulas(store: Store, attributed: dict[str, int]) -> None:
    text = referrals_csv(referral_list(store, "op"))
    table = list(csv.reader(io.StringIO(text)))
    assert tuple(table[0]) == CSV_COLUMNS
    cells = [cell for row in table[1:] for cell in row]
    assert "p:=cmd()" in cells and "'=cmd()" in cells
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+44", "'+44"),
        ("-x", "'-x"),
        ("@a", "'@a"),
        ("\tz", "'\tz"),
        ("ok", "ok"),
    ],
)
def test_neutralise(raw: str, safe: str) -> None:
    assert neutralise(raw) == safe


def test_show_account_and_subject(store: Store, attributed: dict[str, int]) -> None:
    docs = show_attribution(store, "op", "uk")
    assert [(d["kind"], d["force_id"], d["confidence"]) for d in docs] == [
        ("account", "thames-valley", "high")
    ]
    assert show_attribution(store, "op", str(attributed["se"]))[0]["country"] == "SE"
    assert show_attribution(store, "op", "S-US")[0]["kind"] == "subject"
    with pytest.raises(NotFoundError):
        show_attribution(store, "op", "nobody")


def test_cli(
    store: Store, attributed: dict[str, int], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safeguard.cli import referrals as verbs

    monkeypatch.setattr(verbs, "open_store", lambda cfg=None: store)
    import typer

    app = typer.Typer()
    verbs.register(app)
    runner = CliRunner()
    out = runner.invoke(app, ["referrals", "-o", "op", "--format", "json"])
    assert out.exit_code == 0, out.output
    assert [c["country"] for c in json.loads(out.output)["countries"]] == ["SE", "US"]
    assert json.loads(runner.invoke(app, ["referrals", "-o", "op", "--json"]).stdout) == (
        json.loads(out.output)
    )
    out = runner.invoke(app, ["referrals", "--operation", "op"])
    assert out.output.splitlines()[0] == ",".join(CSV_COLUMNS)
    out = runner.invoke(app, ["attribution", "show", "uk", "-o", "op", "--json"])
    shown = json.loads(out.output)
    assert isinstance(shown, dict), "one object, like `subjects show --json`"
    assert (shown["reference"], shown["force_id"]) == ("p:uk", "thames-valley")
    out = runner.invoke(app, ["attribution", "show", "nobody", "-o", "op"])
    assert out.exit_code == NotFoundError.exit_code
