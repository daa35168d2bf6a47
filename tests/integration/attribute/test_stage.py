from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from safeguard.attribute import attribute_subjects, run
from safeguard.config import Settings
from safeguard.errors import NotFoundError, PipelineError
from safeguard.store.db import Store
from safeguard.store.models import Attribution, StageRun, StageWarning
from tests.integration.attribute.conftest import Acct, add_subject, build

ACCOUNTS = [
    # Oxford IP (postal OX1) over a month + an Oxford postcode: Thames Valley, high.
    Acct("oxford", postcode="OX1 2JD", logins=[("2.125.160.216", 12, 30)]),
    # US IPs and a US phone: international referral.
    Acct("usa", phone="+14155550123", logins=[("216.160.83.56", 8, 40)]),
    # Only VPN logins and a declared country.
    Acct("vpn", country="SE", logins=[("81.2.69.142", 30, 60)]),
    # Nothing usable.
    Acct("ghost"),
    # Isle of Man is not a UK force.
    Acct("manx", logins=[("2a02:ff40::1", 5, 20)]),
    # BD20 splits West/North Yorkshire; a declared CyberTip country.
    Acct("bd20", postcodes=["BD20 6AB"], attributes={"estimated_location_country": "GB"}),
]


def _rows(store: Store) -> dict[int, Attribution]:
    with store.session() as s:
        return {r.account_id: r for r in s.scalars(select(Attribution)) if r.account_id}


def test_accounts_attributed_with_evidence(store: Store, geo_settings: Settings) -> None:
    ids = build(store, "op", ACCOUNTS)
    result = run(store, geo_settings, "op")
    rows = _rows(store)
    assert result.attributed == len(ACCOUNTS) == len(rows)
    ox = rows[ids["oxford"]]
    assert (ox.country, ox.force_id, ox.confidence) == ("GB", "thames-valley", "high")
    assert ox.pfa_code and ox.rocu and ox.region == "England"
    ip_item = next(e for e in ox.evidence if e.get("family") == "ip")
    assert ip_item["detail"]["logins"] == ip_item["observations"] == 12
    assert ip_item["first"] < ip_item["last"]
    assert rows[ids["usa"]].country == "US"
    assert rows[ids["usa"]].force_id is None and rows[ids["usa"]].rocu is None
    assert rows[ids["usa"]].confidence == "high"
    assert (rows[ids["vpn"]].country, rows[ids["vpn"]].confidence) == ("SE", "low")
    assert rows[ids["ghost"]].confidence == "none" and rows[ids["ghost"]].country is None
    assert (rows[ids["manx"]].country, rows[ids["manx"]].force_id) == ("IM", None)
    bd20 = rows[ids["bd20"]]
    assert bd20.force_id == "west-yorkshire"
    assert bd20.alternatives[0] == {
        "force_id": "north-yorkshire",
        "share": pytest.approx(0.3, abs=0.05),
    }
    assert result.by_confidence["none"] == 1


def test_rerun_replaces_previous_attributions(store: Store, geo_settings: Settings) -> None:
    build(store, "op", ACCOUNTS)
    run(store, geo_settings, "op")
    first = {k: (v.country, v.force_id, v.confidence) for k, v in _rows(store).items()}
    run(store, geo_settings, "op")
    again = _rows(store)
    assert len(again) == len(ACCOUNTS)
    assert {k: (v.country, v.force_id, v.confidence) for k, v in again.items()} == first


def test_missing_geoip_database_skips_with_warning(store: Store, settings: Settings) -> None:
    ids = build(store, "op", ACCOUNTS)
    result = run(store, settings, "op")
    assert set(result.skipped) == {"maxmind-city", "maxmind-anonymous"}
    rows = _rows(store)
    assert rows[ids["oxford"]].force_id == "thames-valley"  # postcode still works
    assert rows[ids["oxford"]].confidence == "medium"  # but it is the only strong source
    with store.session() as s:
        kinds = set(s.scalars(select(StageWarning.kind)))
        runs = list(s.scalars(select(StageRun).where(StageRun.stage == "attribute")))
    assert "geolocator-unavailable" in kinds
    assert runs[-1].status == "ok" and runs[-1].counts["attributed"] == len(ACCOUNTS)


def test_unknown_or_empty_operation(store: Store, geo_settings: Settings) -> None:
    with pytest.raises(NotFoundError):
        run(store, geo_settings, "nope")
    store.operation_id("empty", create=True)
    with pytest.raises(PipelineError, match="no accounts"):
        run(store, geo_settings, "empty")


def _subject_rows(store: Store) -> dict[int, Attribution]:
    with store.session() as s:
        return {r.subject_id: r for r in s.scalars(select(Attribution)) if r.subject_id}


def test_subject_combines_its_accounts(store: Store, geo_settings: Settings) -> None:
    ids = build(
        store,
        "op",
        [
            Acct("a1", logins=[("2.125.160.216", 10, 30)]),
            Acct("a2", postcode="OX1 1AA"),
            Acct("b1", logins=[("216.160.83.56", 10, 30)]),
        ],
    )
    run(store, geo_settings, "op")
    account_rows = _rows(store)
    assert account_rows[ids["a1"]].confidence == "medium"
    assert account_rows[ids["a2"]].confidence == "medium"
    s1 = add_subject(store, "op", "S1", [ids["a1"], ids["a2"]])
    s2 = add_subject(store, "op", "S2", [ids["b1"]])
    result = attribute_subjects(store, geo_settings, "op")
    assert result.attributed == 2
    rows = _subject_rows(store)
    assert (rows[s1].force_id, rows[s1].confidence) == ("thames-valley", "high")
    assert rows[s1].account_id is None
    accounts_cited: set[Any] = {e.get("account_id") for e in rows[s1].evidence[1:]}
    assert accounts_cited == {ids["a1"], ids["a2"]}
    assert rows[s2].country == "US"
    # A one-account subject is its account's attribution, each entry naming the account.
    b1 = account_rows[ids["b1"]]
    same = ("country", "force_id", "confidence", "score", "alternatives")
    assert [getattr(rows[s2], k) for k in same] == [getattr(b1, k) for k in same]
    assert rows[s2].evidence[0] == b1.evidence[0]
    assert rows[s2].evidence[1:] == [{**e, "account_id": ids["b1"]} for e in b1.evidence[1:]]
    # Pooled entries keep the accounts' (already decayed) weights and details.
    a1_ip = next(e for e in account_rows[ids["a1"]].evidence if e.get("family") == "ip")
    pooled_ip = next(e for e in rows[s1].evidence if e.get("family") == "ip")
    assert pooled_ip["weight"] == a1_ip["weight"] and pooled_ip["detail"] == a1_ip["detail"]
    attribute_subjects(store, geo_settings, "op")
    assert len(_subject_rows(store)) == 2
    assert len(_rows(store)) == 3  # account rows untouched


def test_subjects_need_account_attribution(store: Store, geo_settings: Settings) -> None:
    ids = build(store, "op", [Acct("a1")])
    add_subject(store, "op", "S1", [ids["a1"]])
    with pytest.raises(PipelineError, match="account attribution first"):
        attribute_subjects(store, geo_settings, "op")


def test_address_used_by_many_accounts_places_no_force(
    store: Store, geo_settings: Settings
) -> None:
    """The Oxford test address used by 8 accounts (a carrier NAT): GB, but no force from it."""
    crowd = [Acct(f"c{i}", logins=[("2.125.160.216", 12, 30)]) for i in range(8)]
    ids = build(store, "op", [*crowd, Acct("own", logins=[("2.125.160.217", 12, 30)])])
    run(store, geo_settings, "op")
    rows = _rows(store)
    shared = rows[ids["c0"]]
    assert (shared.country, shared.force_id) == ("GB", None)
    item = next(e for e in shared.evidence if e.get("family") == "ip")
    assert item["detail"]["shared_by"] == 8 and item["forces"] == []
    assert rows[ids["own"]].force_id == "thames-valley"
