"""Each branch of the confidence rule, and how evidence is combined."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from safeguard.attribute.combine import decide
from safeguard.attribute.confidence import Grounds, grade, grounds
from safeguard.attribute.facts import Evidence
from safeguard.attribute.record import attribute_items
from safeguard.records import Confidence
from safeguard.refdata import uk

REF = datetime(2021, 6, 1, tzinfo=UTC)


def ip(
    country: str,
    force: str | None = None,
    *,
    logins: int = 10,
    days: int = 60,
    anonymous: bool = False,
    ago: int = 0,
) -> Evidence:
    last = REF - timedelta(days=ago)
    return Evidence(
        source="maxmind-city",
        family="ip",
        country=country,
        detail={"ip": f"192.0.2.{logins}"},
        forces=((force, 1.0),) if force else (),
        weight=logins * (0.05 if anonymous else 1.0),
        observations=logins,
        first=last - timedelta(days=days),
        last=last,
        anonymous=anonymous,
    )


def postcode(*forces: tuple[str, float]) -> Evidence:
    return Evidence("postcode", "postcode", "GB", {"postcode": "X"}, tuple(forces), strong=True)


def phone_area(force: str) -> Evidence:
    return Evidence("phone", "phone", "GB", {"valid": True}, ((force, 1.0),), strong=True)


def declared(country: str) -> Evidence:
    return Evidence("declared", "declared", country, {"declared_country": country})


def confidence(*items: Evidence) -> tuple[Confidence, Grounds]:
    g = grounds(decide(items))
    return grade(g), g


def test_high_needs_two_agreeing_independent_strong_sources() -> None:
    level, g = confidence(ip("GB", "west-yorkshire"), postcode(("west-yorkshire", 1.0)))
    assert level is Confidence.HIGH
    assert set(g.agreeing) == {"ip", "postcode"}


def test_one_strong_source_is_medium() -> None:
    level, _ = confidence(postcode(("west-yorkshire", 1.0)), declared("GB"))
    assert level is Confidence.MEDIUM


def test_ip_logins_in_a_single_burst_are_not_strong() -> None:
    level, g = confidence(ip("GB", "kent", days=1), postcode(("kent", 1.0)))
    assert level is Confidence.MEDIUM
    assert g.agreeing == ("postcode",)


def test_strong_disagreement_is_low() -> None:
    level, g = confidence(postcode(("kent", 1.0)), phone_area("merseyside"))
    assert level is Confidence.LOW
    assert g.conflicting


def test_mild_disagreement_caps_at_medium() -> None:
    items = (
        ip("GB", "kent"),
        postcode(("kent", 1.0)),
        phone_area("merseyside"),
    )
    level, g = confidence(*items)
    assert decide(items).force_id == "kent"
    assert level is Confidence.MEDIUM
    assert g.conflicting == ("phone",)


def test_only_weak_evidence_is_low() -> None:
    assert confidence(declared("FR"))[0] is Confidence.LOW
    assert confidence(ip("FR", logins=40, anonymous=True))[0] is Confidence.LOW


def test_uk_without_a_force_is_low() -> None:
    level, g = confidence(ip("GB"), declared("GB"))
    assert g.level == "country-only"
    assert level is Confidence.LOW


def test_nothing_usable_is_none() -> None:
    assert confidence()[0] is Confidence.NONE


def test_non_uk_country_high_with_two_strong_sources() -> None:
    us_phone = Evidence("phone", "phone", "US", {"valid": True})
    assert confidence(ip("US"), us_phone)[0] is Confidence.HIGH
    assert confidence(ip("US"))[0] is Confidence.MEDIUM


def test_a_traveller_stays_in_their_force() -> None:
    home = ip("GB", "kent", logins=60, days=300)
    holiday = ip("ES", logins=6, days=10, ago=100)
    items = (home, holiday, postcode(("kent", 1.0)))
    decision = decide(items)
    assert (decision.country, decision.force_id) == ("GB", "kent")
    assert grade(grounds(decision)) is Confidence.HIGH


def test_vpn_logins_do_not_outvote_a_home_address() -> None:
    items = (
        ip("NL", logins=80, anonymous=True),
        ip("GB", "kent", logins=5),
        postcode(("kent", 1.0)),
    )
    assert decide(items).country == "GB"


def test_recent_evidence_weighs_more() -> None:
    old = ip("GB", "kent", logins=20, ago=720)
    new = ip("GB", "essex", logins=10, ago=0)
    assert decide([old, new], REF).force_id == "essex"
    assert decide([old, new]).force_id == "kent"


def test_split_postcode_is_settled_by_other_evidence() -> None:
    bd20 = postcode(("west-yorkshire", 0.6957), ("north-yorkshire", 0.3043))
    assert decide([bd20]).force_id == "west-yorkshire"
    assert decide([bd20, ip("GB", "north-yorkshire")]).force_id == "north-yorkshire"


def test_evidence_shows_what_disagreed() -> None:
    result = attribute_items(
        (i, {}) for i in (ip("GB", "kent"), postcode(("kent", 1.0)), ip("ES", logins=2))
    )
    assert (result.country, result.force_id) == ("GB", "kent")
    assert result.rocu == uk.force("kent").rocu is not None
    rule, *items = result.evidence
    assert rule["source"] == "confidence-rule"
    by_country = {e["country"]: e for e in items if e["family"] == "ip"}
    assert by_country["ES"]["agreement"] == "disagrees"
    assert by_country["ES"]["disagrees_on"] == "country"
    assert by_country["GB"]["agreement"] == "agrees"
    assert {"country": "ES", "share": result.alternatives[0]["share"]} == result.alternatives[0]


def _coarse_ip(lat: float, lon: float, radius_km: float) -> Evidence:
    """A UK IP whose location circle (``accuracy_radius``) holds several forces."""
    from safeguard.attribute.places import forces_near

    forces = forces_near(lat, lon, radius_km)
    item = ip("GB", logins=12, days=30)
    return Evidence(**{**item.__dict__, "forces": forces})


def test_coarse_ip_near_oxford_corroborates_postcode_ox1() -> None:
    """Postcode OX1 and an IP near Oxford, 100 km radius: the circle holds Thames Valley
    (weighted towards its centre, half of it), so it agrees: two strong sources, high."""
    coarse = _coarse_ip(51.75, -1.26, 100)
    level, g = confidence(postcode(("thames-valley", 1.0)), coarse)
    assert g.conflicting == () and g.agreeing == ("ip", "postcode")
    assert level is Confidence.HIGH


def test_coarse_ip_whose_area_holds_the_force_is_no_conflict() -> None:
    """An IP circle centred near Bath holds part of Thames Valley (13 % of it): it points
    mostly elsewhere but does not exclude the postcode's force, so it is no conflict; one
    agreeing strong family gives medium (counted as a conflict, it gave low)."""
    coarse = _coarse_ip(51.45, -2.0, 100)
    assert 0 < dict(coarse.forces)["thames-valley"] < 0.25
    oxford = postcode(("thames-valley", 1.0))
    level, g = confidence(oxford, coarse)
    assert g.conflicting == () and g.agreeing == ("postcode",)
    assert level is Confidence.MEDIUM
    found = attribute_items([(oxford, {}), (coarse, {})], REF)
    ip_entry = next(e for e in found.evidence if e.get("family") == "ip")
    assert ip_entry["agreement"] == "partly-agrees" and ip_entry["disagrees_on"] is None


def test_coarse_ip_pointing_elsewhere_still_conflicts() -> None:
    """An IP circle around Newcastle holds no part of Thames Valley: it disagrees."""
    level, g = confidence(postcode(("thames-valley", 1.0)), _coarse_ip(54.97, -1.61, 100))
    assert g.conflicting == ("ip",)
    assert level is Confidence.LOW
