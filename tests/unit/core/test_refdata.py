"""UK reference data: the 45 forces, their ROCUs, and postcode shares from shared/data/uk."""

from __future__ import annotations

from safeguard.refdata import uk


def test_there_are_45_territorial_forces_with_rocus_in_england_and_wales() -> None:
    forces = uk.forces()
    assert len(forces) == 45
    assert forces["police-scotland"].rocu is None
    assert forces["northern-ireland"].rocu is None
    ew = [f for f in forces.values() if f.country in ("England", "Wales")]
    assert len(ew) == 43 and all(f.rocu for f in ew)
    assert forces["north-wales"].rocu == forces["cheshire"].rocu


def test_border_districts_carry_both_forces_primary_first() -> None:
    bd20 = uk.district_shares()["BD20"]
    assert [(s.force_id, s.share) for s in bd20] == [
        ("west-yorkshire", 0.6957),
        ("north-yorkshire", 0.3043),
    ]
    assert bd20[0].is_primary
    assert [s.force_id for s in uk.district_shares()["TD15"]] == ["northumbria", "police-scotland"]
    assert uk.district_shares()["HR3"][0].force_id == "west-mercia"


def test_areas_and_boundaries_load() -> None:
    assert uk.area_shares()["SS"][0].force_id == "essex"
    features = uk.force_areas_geojson()["features"]
    assert len(features) == 43
    assert {f["properties"]["force_id"] for f in features} <= set(uk.forces())


def test_residents_follow_population_not_district_counts() -> None:
    residents = uk.district_residents()
    total = sum(residents.values())
    by_force: dict[str, int] = {}
    for district, n in residents.items():
        primary = uk.district_shares()[district][0].force_id
        by_force[primary] = by_force.get(primary, 0) + n
    assert 0.11 < by_force["metropolitan"] / total < 0.15
    assert 0.06 < by_force["police-scotland"] / total < 0.10
