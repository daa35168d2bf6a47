"""Travel to destination countries and anonymising services, as the operations' reports
describe them: travel is a reason with its countries, dates and logins; anonymisation is a
low-weight facilitator that never sets a tier on its own."""

from __future__ import annotations

from safeguard.assess.facts import LoginPlace, MaterialFacts, SubjectFacts
from safeguard.assess.ruleset import read_ruleset
from safeguard.records import Tier


def subject(*logins: LoginPlace, country: str = "GB") -> SubjectFacts:
    return SubjectFacts(subject_id=1, label="S-000001", account_ids=(1,), country=country,
                        logins=logins)  # fmt: skip


def place(country: str, n: int, *anonymity: str, ip: str = "198.51.100.7") -> LoginPlace:
    return LoginPlace("u1", ip, country, n, "2019-03-01", "2019-03-14", tuple(anonymity))


def test_logins_from_a_destination_give_a_travel_reason_with_countries_dates_and_logins() -> None:
    _, sink = read_ruleset().assess(subject(place("TH", 3), place("GB", 40, ip="192.0.2.1")))
    [travel] = [r for r in sink.reasons if r.factor == "travel"]
    assert travel.code == "travel-destinations"
    assert "TH 2019-03-01 to 2019-03-14 (3 logins)" in travel.text
    assert travel.evidence == ("logins:u1@198.51.100.7",)


def test_no_travel_reason_for_anonymous_exits_other_countries_or_non_uk_subjects() -> None:
    rules = read_ruleset()
    for facts in (
        subject(place("TH", 5, "vpn")),  # a VPN exit in Thailand is not travel
        subject(place("FR", 9)),  # not a destination of the ruleset
        subject(place("TH", 1)),  # one login is not enough
        subject(place("PH", 9), country="US"),  # only UK subjects
    ):
        _, sink = rules.assess(facts)
        assert "travel" not in {r.factor for r in sink.reasons}


def test_anonymisation_weighs_little_and_never_sets_a_tier_alone() -> None:
    rules = read_ruleset()
    tier, sink = rules.assess(subject(place("NL", 50, "tor"), place("DE", 20, "vpn", ip="x")))
    [anon] = sink.reasons
    assert (anon.code, anon.flags) == ("anonymisation-use", ())
    assert "tor, vpn" in anon.text and anon.points <= 3
    assert tier is Tier.T4
    heavy = SubjectFacts(
        subject_id=1,
        label="S",
        account_ids=(1,),
        country="GB",
        material=MaterialFacts(files_a=10_000),
        logins=(place("NL", 50, "tor"),),
    )
    assert rules.assess(heavy)[0] is Tier.T3, "material plus anonymisation stays below tier 2"
