from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from safeguard.attribute import GEOLOCATORS, AccountFacts, Evidence, IpUse
from safeguard.attribute.geolocators import GeolocatorSpec
from safeguard.attribute.geolocators.maxmind import ANONYMOUS_FACTOR, MaxMindAnonymous, MaxMindCity
from safeguard.attribute.geolocators.simple import (
    CoordinatesGeolocator,
    CybertipLocation,
    DeclaredGeolocator,
    PhoneGeolocator,
    PostcodeGeolocator,
)
from safeguard.config import Settings
from safeguard.errors import ConfigError, PluginError
from safeguard.registry import by_name

T0 = datetime(2020, 1, 1, tzinfo=UTC)


def _ips(*ips: str, logins: int = 4) -> AccountFacts:
    uses = tuple(IpUse(ip, logins, T0, T0 + timedelta(days=30)) for ip in ips)
    return AccountFacts(1, ips=uses)


def test_registry_names_are_stable_and_modifiers_run_last() -> None:
    assert set(GEOLOCATORS) == {
        "maxmind-city",
        "maxmind-anonymous",
        "phone",
        "declared",
        "postcode",
        "coordinates",
        "cybertip-location",
        "ip-range-peers",
    }
    # the anonymity flags are set before a range's peers are asked (they skip anonymous IPs)
    assert list(GEOLOCATORS)[-2:] == ["maxmind-anonymous", "ip-range-peers"]
    assert all(name == spec.name for name, spec in GEOLOCATORS.items())


def test_duplicate_geolocator_name_fails_loudly() -> None:
    spec = GEOLOCATORS["phone"]
    with pytest.raises(PluginError, match="phone"):
        by_name("geolocator", [spec, GeolocatorSpec("phone", "again", False, spec.build)])


def test_every_geolocator_returns_evidence_named_after_itself(geo_settings: Settings) -> None:
    facts = AccountFacts(
        1,
        declared_country="GB",
        declared_city="Leeds",
        declared_postcode="BD20 6AB",
        phones=("+441274123456",),
        ips=(IpUse("81.2.69.142", 3, T0, T0),),
        coordinates=((53.8, -1.55),),
        estimated_country="GB",
    )
    for name, spec in GEOLOCATORS.items():
        items = spec.build(geo_settings).apply(facts, [])
        if not spec.modifier:
            assert items, name
            assert {i.source for i in items} == {name}


def test_city_uses_country_not_registered_country(geo_settings: Settings) -> None:
    city = MaxMindCity.from_settings(geo_settings)
    items = city.locate(_ips("2.125.160.216", "216.160.83.56"))
    by_ip = {i.detail["ip"]: i for i in items}
    assert by_ip["2.125.160.216"].country == "GB"  # registered in FR
    assert by_ip["2.125.160.216"].forces[0][0] == "thames-valley"  # postal OX1
    assert by_ip["216.160.83.56"].country == "US"  # registered in GB
    assert by_ip["216.160.83.56"].forces == ()
    assert by_ip["2.125.160.216"].weight == 4.0
    assert by_ip["2.125.160.216"].detail["logins"] == 4


def test_crown_dependency_is_not_uk(geo_settings: Settings) -> None:
    items = MaxMindCity.from_settings(geo_settings).locate(_ips("2a02:ff40::1"))
    assert [(i.country, i.forces) for i in items] == [("IM", ())]


def test_unknown_and_malformed_ips_give_nothing(geo_settings: Settings) -> None:
    city = MaxMindCity.from_settings(geo_settings)
    assert city.locate(_ips("8.8.8.8", "not-an-ip", "214.1.1.1")) == []


def test_anonymous_ips_carry_no_location_weight(geo_settings: Settings) -> None:
    facts = _ips("81.2.69.142", "2.125.160.216")
    items = MaxMindCity.from_settings(geo_settings).locate(facts)
    out = MaxMindAnonymous.from_settings(geo_settings).apply(facts, items)
    by_ip = {i.detail["ip"]: i for i in out}
    vpn = by_ip["81.2.69.142"]
    assert vpn.anonymous
    assert vpn.detail["anonymous"] is True
    assert "tor_exit_node" in vpn.detail["anonymity"]
    assert vpn.weight == ANONYMOUS_FACTOR == 0.0
    assert not by_ip["2.125.160.216"].anonymous
    assert by_ip["2.125.160.216"].weight == 4.0


@pytest.mark.parametrize("path", [None, Path("/nonexistent/City.mmdb")])
def test_missing_database_is_a_config_error(path: Path | None) -> None:
    with pytest.raises(ConfigError, match="SAFEGUARD_GEOIP_CITY"):
        MaxMindCity.from_settings(Settings(geoip_city=path))


def test_uk_area_code_places_a_force_mobile_only_a_country() -> None:
    numbers = ("+441274123456", "+447400123456", "+447911123456", "+14155550123", "junk")
    facts = AccountFacts(1, phones=numbers)
    items = {i.detail["phone"]: i for i in PhoneGeolocator().locate(facts)}
    assert items["+441274123456"].forces == (("west-yorkshire", 1.0),)
    assert items["+441274123456"].strong
    assert items["+447400123456"].country == "GB"
    assert items["+447400123456"].forces == ()
    assert items["+447911123456"].country == "GG"  # Guernsey shares +44 but is not UK
    assert items["+14155550123"].country == "US"
    assert "junk" not in items


def test_declared_country_and_city() -> None:
    items = DeclaredGeolocator().locate(
        AccountFacts(1, declared_country="gb", declared_city="Leeds")
    )
    assert [(i.country, i.forces) for i in items] == [
        ("GB", ()),
        ("GB", (("west-yorkshire", 1.0),)),
    ]
    foreign = DeclaredGeolocator().locate(
        AccountFacts(1, declared_country="FR", declared_city="Leeds")
    )
    assert [i.country for i in foreign] == ["FR"]


def test_postcodes_deduplicated_by_district() -> None:
    facts = AccountFacts(1, declared_postcode="bd20 6ab", postcodes=("BD20 7XY", "LS1 1AA"))
    items = PostcodeGeolocator().locate(facts)
    assert [i.detail["district"] for i in items] == ["BD20", "LS1"]
    assert all(i.strong and i.country == "GB" for i in items)


def test_coordinates_and_report() -> None:
    coords = CoordinatesGeolocator().locate(
        AccountFacts(1, coordinates=((53.8, -1.55), (48.8, 2.3)))
    )
    assert [i.forces for i in coords] == [(("west-yorkshire", 1.0),)]
    report = CybertipLocation().locate(AccountFacts(1, estimated_country="ca"))
    assert [(i.country, i.family) for i in report] == [("CA", "report")]
    assert CybertipLocation().locate(AccountFacts(1, estimated_country="Canada")) == []


def test_sources_keep_earlier_evidence() -> None:
    earlier = Evidence("declared", "declared", "FR")
    out = PhoneGeolocator().apply(AccountFacts(1, phones=("+14155550123",)), [earlier])
    assert out[0] is earlier
    assert len(out) == 2


def test_address_shared_by_many_accounts_places_a_country_only(tmp_path: Path) -> None:
    """A carrier NAT is located at the carrier's hub, not at its users: when more of the
    operation's accounts than SHARED_IP_ACCOUNTS used it, it gives the country only."""
    from safeguard.attribute.geolocators.maxmind import SHARED_IP_ACCOUNTS
    from tests.support.mmdb import city, write_mmdb

    db = write_mmdb(
        tmp_path / "City.mmdb", "GeoIP2-City", {"90.1.2.0/24": city("GB", 51.51, -0.59, 20)}
    )
    locator = MaxMindCity.from_settings(Settings(geoip_city=db))
    home = IpUse("90.1.2.3", 12, T0, T0 + timedelta(days=30), accounts=SHARED_IP_ACCOUNTS)
    carrier = IpUse("90.1.2.4", 12, T0, T0 + timedelta(days=30), accounts=40)
    by_ip = {i.detail["ip"]: i for i in locator.locate(AccountFacts(1, ips=(home, carrier)))}
    assert by_ip["90.1.2.3"].forces and by_ip["90.1.2.3"].forces[0][0] == "thames-valley"
    assert (by_ip["90.1.2.4"].country, by_ip["90.1.2.4"].forces) == ("GB", ())
    assert by_ip["90.1.2.4"].detail["basis"] == "shared"
    assert by_ip["90.1.2.4"].detail["shared_by"] == 40
