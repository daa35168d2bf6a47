from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import insert, select
from typer.testing import CliRunner

from safeguard.attribute import attribute_subjects, run
from safeguard.attribute.lookup import show_attribution
from safeguard.attribute.referrals import (
    CSV_COLUMNS,
    neutralise,
    referral_list,
    referrals_csv,
    referrals_json,
    unlocated_list,
)
from safeguard.config import Settings
from safeguard.errors import NotFoundError
from safeguard.store.db import Store
from safeguard.store.models import AccountMaterial, Assessment, Subject
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


def test_each_person_once_with_accounts_nested(store: Store, attributed: dict[str, int]) -> None:
    rows = referral_list(store, "op")
    assert [(r.country, r.kind, r.reference) for r in rows] == [
        ("SE", "account", "p:se"),
        ("US", "subject", "S-US"),
    ]
    person = rows[1]
    assert [a.reference for a in person.accounts] == ["p:=cmd()", "p:us2"]
    assert {a.country for a in person.accounts} == {"US"}
    assert (person.ips, person.logins, person.phones) == (2, 13, "+14155550123")
    doc = referrals_json("op", rows)
    assert [(c["country"], c["people"], c["accounts"]) for c in doc["countries"]] == [
        ("SE", 1, 1),
        ("US", 1, 2),
    ]
    nested = doc["countries"][1]["entries"][0]["accounts"]
    assert [a["platform_account_id"] for a in nested] == ["=cmd()", "us2"]


def test_tier_and_material_by_category(store: Store, attributed: dict[str, int]) -> None:
    op_id = store.operation_id("op")
    with store.transaction() as conn:
        (sid,) = conn.execute(select(Subject.id).where(Subject.label == "S-US")).one()
        conn.execute(
            insert(Assessment).values(
                operation_id=op_id, subject_id=sid, tier="P2", score=3.0, ruleset_version="t"
            )
        )
        for ref, (a, b, c) in (("=cmd()", (2, 0, 5)), ("us2", (1, 3, 0)), ("se", (0, 0, 4))):
            conn.execute(
                insert(AccountMaterial).values(
                    account_id=attributed[ref], operation_id=op_id, files_a=a, files_b=b, files_c=c
                )
            )
    by_ref = {r.reference: r for r in referral_list(store, "op")}
    us, se = by_ref["S-US"], by_ref["p:se"]
    assert (us.tier, us.files_a, us.files_b, us.files_c) == ("P2", 3, 3, 5)
    assert (se.tier, se.files_a, se.files_b, se.files_c) == ("", 0, 0, 4)
    table = list(csv.DictReader(io.StringIO(referrals_csv(by_ref.values()))))
    assert {r["reference"]: (r["tier"], r["files_a"], r["accounts"]) for r in table} == {
        "p:se": ("", "0", "1"),
        "S-US": ("P2", "3", "2"),
    }
    assert table[1]["account_refs"] == "p:=cmd() p:us2"


def test_unlocated_listed_apart(store: Store, attributed: dict[str, int]) -> None:
    apart = unlocated_list(store, "op")
    assert [(r.kind, r.reference, r.unlocated) for r in apart] == [
        ("account", "p:ghost", "no-evidence")
    ]
    assert all(r.reference != "p:ghost" for r in referral_list(store, "op"))
    doc = referrals_json("op", referral_list(store, "op"), apart)
    assert doc["unlocated"]["people"] == 1
    assert all(c["country"] for c in doc["countries"])


def test_csv_has_stable_columns_and_no_formulas(store: Store, attributed: dict[str, int]) -> None:
    text = referrals_csv(referral_list(store, "op"))
    table = list(csv.reader(io.StringIO(text)))
    assert tuple(table[0]) == CSV_COLUMNS
    cells = [cell for row in table[1:] for cell in row]
    assert "p:=cmd() p:us2" in cells and "'=cmd() us2" in cells  # usernames of S-US
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
    assert "p:ghost" not in out.output
    out = runner.invoke(app, ["referrals", "-o", "op", "--unlocated"])
    assert [line.split(",")[2] for line in out.output.splitlines()[1:]] == ["p:ghost"]
    out = runner.invoke(app, ["attribution", "show", "uk", "-o", "op", "--json"])
    shown = json.loads(out.output)
    assert isinstance(shown, dict), "one object, like `subjects show --json`"
    assert (shown["reference"], shown["force_id"]) == ("p:uk", "thames-valley")
    out = runner.invoke(app, ["attribution", "show", "nobody", "-o", "op"])
    assert out.exit_code == NotFoundError.exit_code
