from __future__ import annotations

import pytest

from safeguard.attribute.places import (
    force_at,
    forces_for_place,
    forces_for_postcode,
    forces_near,
    outward_code,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BD20 6AB", "BD20"),
        ("bd206ab", "BD20"),
        ("EC1A 1BB", "EC1A"),
        ("SW1A", "SW1A"),
        ("x", None),
    ],
)
def test_outward_code(text: str, expected: str | None) -> None:
    assert outward_code(text) == expected


def test_split_district_yields_primary_force_with_alternative() -> None:
    forces, basis = forces_for_postcode("BD20 6AB")
    assert basis == "district"
    assert forces[0][0] == "west-yorkshire"
    assert forces[1][0] == "north-yorkshire"
    assert forces[0][1] > forces[1][1] > 0


def test_unknown_district_falls_back_to_area() -> None:
    forces, basis = forces_for_postcode("BD99 9ZZ")
    assert basis == "area"
    assert forces[0][0] == "west-yorkshire"


def test_not_a_uk_postcode() -> None:
    assert forces_for_postcode("75001") == ((), "unknown")


@pytest.mark.parametrize(
    ("lat", "lon", "force"),
    [
        (53.80, -1.55, "west-yorkshire"),  # Leeds
        (51.75, -1.25, "thames-valley"),  # Oxford
        (55.95, -3.19, "police-scotland"),  # Edinburgh
        (54.60, -5.93, "northern-ireland"),  # Belfast
        (48.85, 2.35, None),  # Paris
        (54.25, -4.50, None),  # Isle of Man: not a UK force
    ],
)
def test_force_at(lat: float, lon: float, force: str | None) -> None:
    assert force_at(lat, lon) == force


def test_imprecise_london_location_is_metropolitan_not_city_of_london() -> None:
    assert force_at(51.5142, -0.0931) == "city-of-london"
    near = forces_near(51.5142, -0.0931, 10)
    assert near[0][0] == "metropolitan"


def test_place_names() -> None:
    assert forces_for_place("Bradford") == "west-yorkshire"
    assert forces_for_place("london") == "metropolitan"
    assert forces_for_place("Belfast") == "northern-ireland"
    assert forces_for_place("Atlantis") is None
