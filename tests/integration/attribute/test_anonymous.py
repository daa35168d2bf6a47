"""People seen only through anonymisers (Tor, VPN, proxies, hosting) are unlocated.

The scenario's GeoIP City database places its Tor exits and VPN in London and Manchester
(as real databases do: an exit's own location), and the Anonymous-IP database flags them.
An anonymiser's location says nothing about its user, so those people get no country and
no force: never the Metropolitan Police, never a partner country.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from safeguard.attribute import attribute_subjects, run
from safeguard.attribute.lookup import show_attribution
from safeguard.config import Settings
from safeguard.store.db import Store
from safeguard.store.models import Attribution
from tests.integration.attribute.conftest import Acct, add_subject, build
from tests.support.mmdb import city, tor_exit, write_mmdb

TOR = ("185.220.101.7", "185.220.102.9", "185.220.103.4")
VPN = "45.83.1.20"
HOSTING = "45.84.2.30"


@pytest.fixture
def anon_settings(settings: Settings, tmp_path: Path) -> Settings:
    networks = {
        "185.220.101.0/24": city("GB", 51.5072, -0.1276, 20, name="London"),
        "185.220.102.0/24": city("GB", 51.5072, -0.1276, 20, name="London"),
        "185.220.103.0/24": city("DE", 52.52, 13.405, 50, name="Berlin"),
        "45.83.1.0/24": city("GB", 53.4808, -2.2426, 10, postal="M1", name="Manchester"),
        "45.84.2.0/24": city("GB", 51.5072, -0.1276, 20, postal="EC1A", name="London"),
    }
    flags = {cidr: tor_exit() for cidr in list(networks)[:3]}
    flags["45.83.1.0/24"] = {"is_anonymous": True, "is_anonymous_vpn": True}
    flags["45.84.2.0/24"] = {"is_anonymous": True, "is_hosting_provider": True}
    return Settings(
        data_dir=settings.data_dir,
        database_url=settings.database_url,
        geoip_city=write_mmdb(tmp_path / "City.mmdb", "GeoIP2-City", networks),
        geoip_anonymous=write_mmdb(tmp_path / "Anon.mmdb", "GeoIP2-Anonymous-IP", flags),
    )


ONLY_ANONYMOUS = [
    Acct(f"tor{i}", logins=[(TOR[i % 3], 40, 90), (TOR[(i + 1) % 3], 25, 60)]) for i in range(5)
] + [
    Acct("vpn", logins=[(VPN, 60, 120)]),
    Acct("hosting", logins=[(HOSTING, 30, 45)]),
]
WITH_OTHER_EVIDENCE = [
    Acct("tor-leeds", postcode="LS1 4AP", logins=[(TOR[0], 50, 90)]),
    Acct("tor-nz", country="NZ", logins=[(TOR[1], 50, 90)]),
]


def _by_ref(store: Store, ids: dict[str, int]) -> dict[str, Attribution]:
    ref = {v: k for k, v in ids.items()}
    with store.session() as s:
        rows = s.scalars(select(Attribution).where(Attribution.subject_id.is_(None)))
        return {ref[r.account_id]: r for r in rows if r.account_id in ref}


def test_anonymous_only_people_are_unlocated(store: Store, anon_settings: Settings) -> None:
    ids = build(store, "op", ONLY_ANONYMOUS + WITH_OTHER_EVIDENCE)
    run(store, anon_settings, "op")
    rows = _by_ref(store, ids)
    for acct in ONLY_ANONYMOUS:
        row = rows[acct.ref]
        assert (row.country, row.force_id, row.rocu, row.confidence) == (None, None, None, "none")
        assert row.evidence[0]["unlocated"] == "anonymous-only"
        anon = [e for e in row.evidence[1:] if e["family"] == "ip"]
        assert anon and all(e["anonymous"] and e["weight"] == 0 for e in anon)
        assert {e["agreement"] for e in anon} == {"neutral"}
    shown = show_attribution(store, "op", "tor0")[0]
    assert (shown["country"], shown["unlocated"]) == (None, "anonymous-only")
    assert show_attribution(store, "op", "tor-leeds")[0]["unlocated"] is None
    assert (rows["tor-leeds"].country, rows["tor-leeds"].force_id) == ("GB", "west-yorkshire")
    assert (rows["tor-nz"].country, rows["tor-nz"].force_id) == ("NZ", None)
    assert "unlocated" not in rows["tor-nz"].evidence[0]


def test_subject_of_anonymous_only_accounts_is_unlocated(
    store: Store, anon_settings: Settings
) -> None:
    ids = build(store, "op", ONLY_ANONYMOUS)
    run(store, anon_settings, "op")
    subject = add_subject(store, "op", "S-1", [ids["tor0"], ids["tor1"], ids["vpn"]])
    add_subject(store, "op", "S-2", [ids["tor2"]])
    attribute_subjects(store, anon_settings, "op")
    with store.session() as s:
        rows = list(s.scalars(select(Attribution).where(Attribution.subject_id.is_not(None))))
    assert len(rows) == 2
    for row in rows:
        assert (row.country, row.force_id, row.confidence) == (None, None, "none")
        assert row.evidence[0]["unlocated"] == "anonymous-only"
    assert any(r.subject_id == subject for r in rows)


def test_run_counts_the_unlocated_by_reason(store: Store, anon_settings: Settings) -> None:
    build(store, "op", [*ONLY_ANONYMOUS, Acct("ghost"), *WITH_OTHER_EVIDENCE])
    result = run(store, anon_settings, "op")
    assert result.unlocated == {"anonymous-only": len(ONLY_ANONYMOUS), "no-evidence": 1}
    assert result.by_country.get("GB") == 1  # only tor-leeds, by its postcode


def test_unlocated_are_never_referred_abroad(store: Store, anon_settings: Settings) -> None:
    from safeguard.attribute.referrals import referral_list, unlocated_list

    build(store, "op", ONLY_ANONYMOUS + WITH_OTHER_EVIDENCE)
    run(store, anon_settings, "op")
    assert [r.reference for r in referral_list(store, "op")] == ["p:tor-nz"]
    apart = {r.reference: r.unlocated for r in unlocated_list(store, "op")}
    assert apart == {f"p:{a.ref}": "anonymous-only" for a in ONLY_ANONYMOUS}
