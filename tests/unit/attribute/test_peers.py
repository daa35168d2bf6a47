"""A UK range located by its other users' declared places (``ip-range-peers``).

The expected values are worked by hand from the rule in docs/attribution.md: a range is
learned when at least 3 other lines voted and the top force holds at least 2/3 of their
vote; support = (k + 1) / (n + 2).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from safeguard.attribute import AccountFacts, IpUse
from safeguard.attribute.combine import decide
from safeguard.attribute.confidence import grade, grounds
from safeguard.attribute.facts import Evidence
from safeguard.attribute.geolocators.maxmind import MaxMindAnonymous, MaxMindCity
from safeguard.attribute.geolocators.peers import RangePeers
from safeguard.attribute.geolocators.simple import PostcodeGeolocator
from safeguard.attribute.locate import locate_one
from safeguard.attribute.peers import RangeVotes, learn, line_of, range_of
from safeguard.config import Settings
from safeguard.records import Confidence
from tests.support.mmdb import city, tor_exit, write_mmdb

T0 = datetime(2020, 1, 1, tzinfo=UTC)
WY, NY, GM = "west-yorkshire", "north-yorkshire", "greater-manchester"


def test_range_and_line_units() -> None:
    assert range_of("90.1.2.77") == "90.1.2.0/24"
    assert line_of("90.1.2.77") == "90.1.2.77/32"
    assert range_of("2a02:ff40:1:2:aa::1") == "2a02:ff40:1::/48"
    assert line_of("2a02:ff40:1:2:aa::1") == line_of("2a02:ff40:1:2:bb::9") == "2a02:ff40:1:2::/64"
    assert range_of("not an ip") is None


def test_three_agreeing_lines_are_learned_with_laplace_support() -> None:
    learned = learn({WY: 3.0}, 3, "90.1.2.0/24")
    assert learned is not None
    assert learned.shares == ((WY, 1.0),)
    assert learned.support == 0.8  # (3 + 1) / (3 + 2)


def test_two_of_three_is_learned_but_with_less_support() -> None:
    learned = learn({WY: 2.0, NY: 1.0}, 3, "n")
    assert learned is not None
    assert learned.shares == ((WY, 0.6667), (NY, 0.3333))
    assert learned.support == 0.6  # (2 + 1) / (3 + 2)


@pytest.mark.parametrize(
    ("summed", "peers"),
    [
        ({WY: 1.0, NY: 1.0, GM: 1.0}, 3),  # three lines, three forces: disagree
        ({WY: 3.0, NY: 2.0}, 5),  # 3 of 5 is under 2/3
        ({WY: 2.0}, 2),  # too few lines
    ],
)
def test_disagreeing_or_too_few_lines_are_not_learned(summed: dict[str, float], peers: int) -> None:
    assert learn(summed, peers, "n") is None


def test_the_accounts_own_line_is_left_out() -> None:
    votes = RangeVotes()
    for line, vote in (("a", {WY: 1.0}), ("b", {WY: 1.0}), ("c", {NY: 0.5, WY: 0.5})):
        votes.add(line, vote)
    assert votes.without("zz") == ({WY: 2.5, NY: 0.5}, 3)
    summed, n = votes.without("c")
    assert (summed, n) == ({WY: 2.0}, 2)


NET = "90.1.2.0/24"


@pytest.fixture
def locators(tmp_path: Path) -> list[object]:
    """The database places 90.1.2.0/24 in GB only (a country-level record, radius 200 km);
    90.1.9.0/24 is a Tor exit; 2a02:ff40:1::/48 is GB only too."""
    networks = {
        NET: city("GB", 51.4964, -0.1224, 200),
        "90.1.9.0/24": city("GB"),
        "2a02:ff40:1::/48": city("GB"),
    }
    db = write_mmdb(tmp_path / "City.mmdb", "GeoIP2-City", networks)
    anon = write_mmdb(tmp_path / "Anon.mmdb", "GeoIP2-Anonymous-IP", {"90.1.9.0/24": tor_exit()})
    settings = Settings(geoip_city=db, geoip_anonymous=anon)
    return [
        MaxMindCity.from_settings(settings),
        PostcodeGeolocator(),
        MaxMindAnonymous.from_settings(settings),
        RangePeers(),
    ]


def _account(i: int, ip: str, postcode: str | None = None, accounts: int = 1) -> AccountFacts:
    use = IpUse(ip, 12, T0, T0 + timedelta(days=60), accounts=accounts)
    return AccountFacts(i, declared_postcode=postcode, ips=(use,))


def _range_items(locators: list[object], facts: list[AccountFacts], who: int) -> list[Evidence]:
    peers = locators[-1]
    assert isinstance(peers, RangePeers)
    peers.prepare(facts, locators)
    target = next(f for f in facts if f.account_id == who)
    items: list[Evidence] = []
    for locator in locators:
        items = locator.apply(target, items)  # type: ignore[attr-defined]
    return [i for i in items if i.family == "range"]


def test_a_country_only_range_is_learned_from_agreeing_postcodes(locators: list[object]) -> None:
    facts = [_account(i, f"90.1.2.{10 + i}", pc) for i, pc in enumerate(("BD1", "LS1 4AP", "BD1"))]
    facts.append(_account(9, "90.1.2.99"))
    (item,) = _range_items(locators, facts, 9)
    assert item.forces == ((WY, 1.0),)
    assert item.detail["network"] == NET
    assert (item.detail["peers"], item.detail["support"]) == (3, 0.8)
    assert item.weight == 12 and item.strong


def test_a_range_with_disagreeing_postcodes_is_not_learned(locators: list[object]) -> None:
    postcodes = ("BD1", "YO1", "M1", "LS1")  # West Yorkshire 2 of 4
    facts = [_account(i, f"90.1.2.{10 + i}", pc) for i, pc in enumerate(postcodes)]
    facts.append(_account(9, "90.1.2.99"))
    assert _range_items(locators, facts, 9) == []


def test_own_line_household_and_shared_or_anonymous_lines_do_not_vote(
    locators: list[object],
) -> None:
    facts = [
        _account(1, "90.1.2.10", "BD1"),
        _account(2, "90.1.2.11", "BD1"),
        _account(3, "90.1.2.12", "BD1"),
        _account(4, "90.1.2.12", "BD1"),  # same line as 3: one household, one vote
        _account(5, "90.1.2.13", "BD1", accounts=9),  # a shared address (carrier NAT)
        _account(6, "90.1.9.5", "BD1"),  # a Tor exit: neither votes nor is located
        _account(7, "90.1.2.10"),  # on account 1's line: that vote is left out
    ]
    assert _range_items(locators, facts, 7) == []  # 2 other lines left: too few
    assert _range_items(locators, facts, 6) == []
    (item,) = _range_items(locators, [*facts, _account(8, "90.1.2.14", "LS1")], 7)
    assert item.detail["peers"] == 3


def test_ipv6_addresses_of_one_slash64_are_one_line(locators: list[object]) -> None:
    one_lan = [_account(i, f"2a02:ff40:1:2::{i + 1}", "BD1") for i in range(4)]
    target = _account(9, "2a02:ff40:1:3::1")
    assert _range_items(locators, [*one_lan, target], 9) == []  # four addresses, one line
    three_lans = [_account(i, f"2a02:ff40:1:{i + 5}::1", "BD1") for i in range(3)]
    (item,) = _range_items(locators, [*three_lans, target], 9)
    assert item.detail["network"] == "2a02:ff40:1::/48" and item.forces == ((WY, 1.0),)


def _ip(force: str) -> Evidence:
    last = T0 + timedelta(days=60)
    return Evidence(
        "maxmind-city", "ip", "GB", {"ip": "90.1.2.99", "basis": "postal-district"},
        ((force, 1.0),), weight=12, observations=12, first=T0, last=last,
    )  # fmt: skip


def _range(force: str, support: float) -> Evidence:
    last = T0 + timedelta(days=60)
    return Evidence(
        "ip-range-peers", "range", "GB", {"support": support}, ((force, 1.0),),
        weight=12, strong=True, observations=12, first=T0, last=last,
    )  # fmt: skip


def test_three_agreeing_peers_outvote_a_wrong_postal_record_two_of_three_do_not() -> None:
    # force votes: ip 1.5 (postal district, 12 logins); range 2.0 x support
    assert decide([_ip(NY), _range(WY, 0.8)]).force_id == WY  # 1.6 > 1.5
    assert decide([_ip(NY), _range(WY, 0.6)]).force_id == NY  # 1.2 < 1.5


def test_range_confirming_ip_is_not_a_second_independent_source() -> None:
    both = grounds(decide([_ip(WY), _range(WY, 0.8)]))
    assert set(both.agreeing) == {"ip", "range"}
    assert grade(both) is Confidence.MEDIUM
    postcode = Evidence("postcode", "postcode", "GB", {}, ((WY, 1.0),), strong=True)
    assert grade(grounds(decide([postcode, _range(WY, 0.8)]))) is Confidence.HIGH


def test_locate_one_without_prepare_learns_nothing(locators: list[object]) -> None:
    out = locate_one(_account(1, "90.1.2.10"), locators, None)  # type: ignore[arg-type]
    assert out.country == "GB" and out.force_id is None
