"""Who a package is suggested for: force, ROCU or the agency, from plain attribution data."""

from __future__ import annotations

from safeguard.package.recipients import parse, rocu_id, suggest
from safeguard.refdata import uk


def _attr(force: str, *others: str) -> dict[str, object]:
    return {"force_id": force, "alternatives": [{"force_id": o, "share": 0.3} for o in others]}


def test_a_clear_attribution_goes_to_the_force() -> None:
    r = suggest(_attr("kent"), [])
    assert (r.kind, r.recipient_id) == ("force", "kent")


def test_a_split_within_one_rocu_goes_to_the_rocu() -> None:
    # Cheshire and Merseyside are both in the North West ROCU (data/uk/rocu.csv).
    r = suggest(_attr("cheshire", "merseyside"), [])
    assert r.kind == "rocu"
    assert r.name == uk.force("cheshire").rocu == uk.force("merseyside").rocu
    assert parse(r.recipient_id).name == r.name


def test_a_split_across_regions_goes_to_the_agency() -> None:
    r = suggest(_attr("kent", "cumbria"), [])
    assert (r.kind, r.recipient_id) == ("agency", "agency")


def test_an_open_investigation_wins_over_attribution() -> None:
    held = [{"force_id": "merseyside", "reference": "MP/1", "status": "open"}]
    assert suggest(_attr("kent"), held).recipient_id == "merseyside"
    closed = [{"force_id": "merseyside", "reference": "MP/1", "status": "closed"}]
    assert suggest(_attr("kent"), closed).recipient_id == "kent"
    agency = [{"force_id": "NCA", "reference": "N/7", "status": "open"}]
    assert suggest(_attr("kent"), agency).recipient_id == "agency"


def test_rocu_ids_are_stable_slugs() -> None:
    assert rocu_id("North West ROCU (Titan)") == "rocu:north-west-rocu-titan"
