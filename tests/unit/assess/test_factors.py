"""Risk factors and the ruleset: what raises a subject in the triage queue, and why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safeguard.assess import assess_subject
from safeguard.assess.factors import FACTORS
from safeguard.assess.facts import Finding, IndicatorHit, MaterialFacts, SubjectFacts
from safeguard.assess.lexicon import Lexicon, load_lexicon
from safeguard.errors import ConfigError
from safeguard.records import Tier


def facts(**kw: object) -> SubjectFacts:
    return SubjectFacts(subject_id=1, label="S-000001", account_ids=(1,), **kw)  # type: ignore[arg-type]


def finding(kind: str, detail: str = "") -> Finding:
    return Finding(1, "PNC", kind, detail, None, None, "email", "a@example.org")


def hits(category: str, n: int) -> tuple[IndicatorHit, ...]:
    return tuple(IndicatorHit(category, f"phrase {i}", f"m{i}") for i in range(n))


def test_nothing_known_is_tier_4_with_no_reasons() -> None:
    tier, sink = assess_subject(facts())
    assert tier is Tier.T4
    assert sink.reasons == [] and sink.score == 0


def test_material_volume_has_diminishing_weight() -> None:
    _, one = assess_subject(facts(material=MaterialFacts(files_a=1, events_a=1)))
    _, many = assess_subject(facts(material=MaterialFacts(files_a=10_000, events_a=20_000)))
    assert one.score == 4.0
    assert many.score == 10.0, "volume alone must not outrank contact indicators"
    tier, _ = assess_subject(
        facts(material=MaterialFacts(files_a=10_000, files_b=500, files_c=300, shares=50))
    )
    assert tier is Tier.T3


def test_category_a_outweighs_category_c_for_the_same_count() -> None:
    _, a = assess_subject(facts(material=MaterialFacts(files_a=5, events_a=9)))
    _, c = assess_subject(facts(material=MaterialFacts(files_c=5, events_c=9)))
    assert a.score > c.score
    assert "5 distinct known Category A file(s) in 9 transfer event(s)" in a.reasons[0].text
    assert "category-a" in a.flags


def test_position_of_trust_alone_reaches_tier_2_and_says_the_sector() -> None:
    tier, sink = assess_subject(facts(findings=(finding("position_of_trust", "education"),)))
    assert tier is Tier.T2
    assert "education" in sink.reasons[0].text
    assert sink.reasons[0].evidence == ("check:1",)


def test_contact_indicators_with_access_to_children_is_tier_1_whatever_the_score() -> None:
    f = facts(indicators=hits("contact_abuse", 2), findings=(finding("lives_with_children"),))
    tier, sink = assess_subject(f)
    assert tier is Tier.T1
    assert sink.score < 60
    assert {r.factor for r in sink.reasons} == {"contact-indicators", "access-to-children"}


def test_one_indicator_message_is_weak_and_raises_no_flag() -> None:
    f = facts(indicators=hits("contact_abuse", 1) + hits("access_to_children", 1))
    tier, sink = assess_subject(f)
    assert tier is Tier.T4
    assert sink.flags == set()
    assert all("weak on its own" in r.text for r in sink.reasons)


def test_two_phrases_in_one_message_count_as_one_message() -> None:
    same = (IndicatorHit("contact_abuse", "a", "m1"), IndicatorHit("contact_abuse", "b", "m1"))
    _, sink = assess_subject(facts(indicators=same))
    assert "contact-indicators" not in sink.flags


def test_first_upload_of_unknown_files_with_category_a_is_tier_1() -> None:
    m = MaterialFacts(files_a=1, events_a=1, first_uploads_unknown=3)
    tier, sink = assess_subject(facts(material=m))
    assert tier is Tier.T1
    assert any("possible new production" in r.text for r in sink.reasons)


def test_no_trace_and_unrelated_findings_do_not_raise_priority() -> None:
    tier, sink = assess_subject(facts(findings=(finding("prior_other_offence"),)))
    assert tier is Tier.T4 and sink.score == 3


def test_distribution_needs_abuse_material_not_just_traffic() -> None:
    busy = MaterialFacts(uploads=40, shares=40)
    _, quiet_sink = assess_subject(facts(material=busy, roles=("distributor",)))
    assert quiet_sink.reasons == []
    _, sink = assess_subject(facts(material=busy + MaterialFacts(files_b=1), roles=("hub",)))
    assert {r.factor for r in sink.reasons} == {"material-severity", "distribution"}


def test_every_reason_names_a_registered_factor() -> None:
    f = facts(
        material=MaterialFacts(
            files_a=50, files_b=3, files_c=2, shares=20, first_uploads_unknown=2
        ),
        roles=("distributor",),
        findings=(
            finding("registered_sex_offender"),
            finding("works_with_children", "youth-sport"),
        ),
        indicators=hits("contact_abuse", 3) + hits("facilitation", 2) + hits("production", 1),
    )
    tier, sink = assess_subject(f)
    assert tier is Tier.T1
    assert {r.factor for r in sink.reasons} <= set(FACTORS)
    assert len({r.factor for r in sink.reasons}) >= 6


def test_lexicon_scanner_finds_whole_phrases_case_insensitively() -> None:
    lex = Lexicon("t", {"contact_abuse": ("blue lighthouse",), "production": ("paper kite",)})
    scan = lex.scanner().scan
    assert scan("Meet at the BLUE Lighthouse, then the paper kite") == [
        ("contact_abuse", "blue lighthouse"),
        ("production", "paper kite"),
    ]
    assert scan("bluelighthouse and paper kites") == []
    assert scan(None) == []


def test_lexicon_file_must_have_categories(tmp_path: Path) -> None:
    bad = tmp_path / "lex.json"
    bad.write_text(json.dumps({"phrases": ["x"]}))
    with pytest.raises(ConfigError, match="expected"):
        load_lexicon(bad)
    with pytest.raises(ConfigError, match="cannot read"):
        load_lexicon(tmp_path / "missing.json")
