"""Linkers decide from plain data; no weak linker alone can link two accounts."""

from __future__ import annotations

import pytest

from safeguard.errors import PluginError
from safeguard.registry import by_name
from safeguard.resolve.facts import AccountFacts, IdentifierGroup, IpWindow
from safeguard.resolve.linkers import (
    LINKERS,
    STRONG_LINKERS,
    WEAK_LINKERS,
    WEAK_THRESHOLD,
    IdentifierLinker,
    PostcodeNameLinker,
    SharedIpLinker,
    UsernameLinker,
    edit_distance,
)

DAY = 86_400.0


def _rich_pair() -> tuple[AccountFacts, AccountFacts]:
    """Two accounts sharing everything a weak linker can look at."""
    window = IpWindow(0.0, 10 * DAY)
    a = AccountFacts(1, "darkfox", "AB1 2CD", frozenset({"sam smith"}), {"81.2.69.1": window})
    b = AccountFacts(2, "darkfox", "AB1 2CD", frozenset({"sam smith"}), {"81.2.69.1": window})
    return a, b


def _lopsided_pair() -> tuple[AccountFacts, AccountFacts]:
    """Two accounts that share something for every weak linker, but not everything."""
    a = AccountFacts(
        1,
        "darkfox",
        "AB1 2CD",
        frozenset({"sam smith", "s smith"}),
        {"81.2.69.1": IpWindow(0.0, 2 * DAY), "81.2.69.7": IpWindow(0.0, DAY)},
    )
    b = AccountFacts(
        2,
        "darkf0x",
        "AB1 2CD",
        frozenset({"sam smith", "samuel smith"}),
        {"81.2.69.1": IpWindow(DAY, 9 * DAY), "81.2.69.9": IpWindow(0.0, DAY)},
    )
    return a, b


def _unordered(evidence: dict[str, object]) -> dict[str, object]:
    """Evidence with its lists as sets: which account is named first may differ."""
    return {k: frozenset(v) if isinstance(v, list) else v for k, v in evidence.items()}


def test_registry_names_are_the_documented_storage_keys() -> None:
    assert [linker.name for linker in LINKERS] == [
        "email",
        "phone",
        "device-id",
        "payment-ref",
        "shared-ip",
        "username",
        "postcode-name",
    ]
    assert {linker.strength for linker in STRONG_LINKERS} == {"strong"}
    assert {linker.strength for linker in WEAK_LINKERS} == {"weak"}


def test_duplicate_linker_name_fails_loudly() -> None:
    with pytest.raises(PluginError, match="email"):
        by_name("linker", (*LINKERS, IdentifierLinker("email", "email", "again")))


@pytest.mark.parametrize("linker", WEAK_LINKERS, ids=lambda linker: linker.name)
class TestWeakLinkerContract:
    def test_alone_never_reaches_the_threshold(self, linker: SharedIpLinker) -> None:
        scored = linker.score(*_rich_pair())
        assert scored is not None
        assert 0.0 < scored[0] < WEAK_THRESHOLD
        assert scored[1], "a score always comes with its evidence"

    def test_symmetric(self, linker: SharedIpLinker) -> None:
        a, b = _lopsided_pair()
        forward, backward = linker.score(a, b), linker.score(b, a)
        assert forward is not None and backward is not None
        assert forward[0] == backward[0]
        assert _unordered(forward[1]) == _unordered(backward[1])

    def test_strangers_score_nothing(self, linker: SharedIpLinker) -> None:
        a = AccountFacts(
            1, "darkfox", "AB1 2CD", frozenset({"sam smith"}), {"81.2.69.1": IpWindow(0, 1)}
        )
        b = AccountFacts(
            2, "bluebird", "ZZ9 9ZZ", frozenset({"lee jones"}), {"81.2.69.9": IpWindow(0, 1)}
        )
        assert linker.score(a, b) is None


def test_strong_linker_joins_a_group_as_a_star_with_evidence() -> None:
    group = IdentifierGroup("email", "sam@example.org", (7, 3, 5, 3))
    links = STRONG_LINKERS[0].links(group)
    assert sorted(link.key() for link in links) == [(3, 5), (3, 7)]
    assert all(link.accepted and link.strength == "strong" for link in links)
    assert links[0].evidence["value"] == "sam@example.org"


def test_shared_ip_needs_overlapping_windows() -> None:
    linker = SharedIpLinker()
    a = AccountFacts(1, ips={"81.2.69.1": IpWindow(0, DAY)})
    later = AccountFacts(2, ips={"81.2.69.1": IpWindow(30 * DAY, 31 * DAY)})
    close = AccountFacts(3, ips={"81.2.69.1": IpWindow(1.5 * DAY, 2 * DAY)})
    assert linker.score(a, later) is None
    assert linker.score(a, close) is not None


def test_several_shared_ips_score_higher_than_one() -> None:
    linker = SharedIpLinker()
    w = IpWindow(0, DAY)
    one = linker.score(AccountFacts(1, ips={"a": w}), AccountFacts(2, ips={"a": w}))
    two = linker.score(AccountFacts(1, ips={"a": w, "b": w}), AccountFacts(2, ips={"a": w, "b": w}))
    assert one is not None and two is not None and two[0] > one[0]


@pytest.mark.parametrize(
    ("ua", "ub", "match"),
    [
        ("darkfox", "darkfox", "identical"),
        ("willow_285", "willow_1299", None),  # platform-style suffixes: strangers
        ("darkfox", "darkf0x", "one-edit"),
        ("darkfox", "lightfox", None),
        ("abc", "abc", None),  # too short to mean anything
    ],
)
def test_username_similarity(ua: str, ub: str, match: str | None) -> None:
    got = UsernameLinker().score(AccountFacts(1, ua), AccountFacts(2, ub))
    assert (got[1]["match"] if got else None) == match


def test_postcode_without_shared_name_is_not_evidence() -> None:
    linker = PostcodeNameLinker()
    a = AccountFacts(1, postcode="AB1 2CD", names=frozenset({"sam smith"}))
    b = AccountFacts(2, postcode="AB1 2CD", names=frozenset({"lee jones"}))
    assert linker.score(a, b) is None


def test_edit_distance_is_bounded() -> None:
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("kitten", "sitting", limit=1) == 2
    assert edit_distance("same", "same") == 0
