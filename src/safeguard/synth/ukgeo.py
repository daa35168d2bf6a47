"""Where UK IP ranges sit: a force's primary postcode districts, towns and a point inside it."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

import numpy as np
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from safeguard.refdata import uk

__all__ = ["force_centre", "force_point", "force_towns", "neighbour_forces", "primary_districts"]

#: Forces outside the England & Wales boundary file: (town, latitude, longitude).
_FIXED_TOWNS: dict[str, tuple[tuple[str, float, float], ...]] = {
    "police-scotland": (
        ("Edinburgh", 55.953, -3.189),
        ("Glasgow", 55.864, -4.252),
        ("Aberdeen", 57.150, -2.094),
        ("Inverness", 57.478, -4.224),
    ),
    "northern-ireland": (
        ("Belfast", 54.597, -5.930),
        ("Londonderry", 54.997, -7.309),
        ("Newry", 54.176, -6.349),
    ),
}


@cache
def primary_districts() -> dict[str, tuple[str, ...]]:
    """Force id → postcode districts whose largest share lies in that force (sorted)."""
    out: dict[str, list[str]] = {}
    for district, shares in sorted(uk.district_shares().items()):
        out.setdefault(shares[0].force_id, []).append(district)
    return {k: tuple(v) for k, v in out.items()}


@cache
def _areas() -> dict[str, BaseGeometry]:
    features = uk.force_areas_geojson()["features"]
    return {f["properties"]["force_id"]: shape(f["geometry"]) for f in features}


@cache
def force_towns() -> dict[str, tuple[str, ...]]:
    """Force id → local-authority names inside it (ONS lookup), used as city names."""
    text = (
        resources.files("safeguard.data.uk")
        .joinpath("ons_LAD19_CSP19_PFA19_EW_lookup.csv")
        .read_text(encoding="utf-8-sig")
    )
    by_code = {f.pfa_code: f.force_id for f in uk.forces().values()}
    out: dict[str, set[str]] = {}
    for row in csv.DictReader(text.splitlines()):
        fid = by_code.get(row["PFA19CD"])
        if fid:
            out.setdefault(fid, set()).add(row["LAD19NM"])
    for fid, towns in _FIXED_TOWNS.items():
        out[fid] = {t[0] for t in towns}
    return {k: tuple(sorted(v)) for k, v in out.items()}


def force_point(rng: np.random.Generator, force_id: str, town: str) -> tuple[float, float]:
    """A (latitude, longitude) inside the force area, jittered around its central point."""
    if force_id in _FIXED_TOWNS:
        fixed = {t[0]: t for t in _FIXED_TOWNS[force_id]}
        _, lat, lon = fixed.get(town, _FIXED_TOWNS[force_id][0])
        return round(lat + rng.normal(0, 0.02), 4), round(lon + rng.normal(0, 0.02), 4)
    area = _areas()[force_id]
    centre = area.representative_point()
    minx, miny, maxx, maxy = area.bounds
    for _ in range(20):
        x = centre.x + rng.normal(0, (maxx - minx) / 6)
        y = centre.y + rng.normal(0, (maxy - miny) / 6)
        if area.contains(Point(x, y)):
            return round(y, 4), round(x, 4)
    return round(centre.y, 4), round(centre.x, 4)


@cache
def force_centre(force_id: str) -> tuple[float, float]:
    """A central (latitude, longitude) of the force area (its first town outside E&W)."""
    if force_id in _FIXED_TOWNS:
        _, lat, lon = _FIXED_TOWNS[force_id][0]
        return lat, lon
    centre = _areas()[force_id].representative_point()
    return round(centre.y, 4), round(centre.x, 4)


@cache
def neighbour_forces(force_id: str, k: int = 4) -> tuple[str, ...]:
    """The ``k`` other forces whose centres are nearest this force's centre."""
    lat, lon = force_centre(force_id)
    scale = np.cos(np.radians(lat))

    def distance(other: str) -> float:
        o_lat, o_lon = force_centre(other)
        return float(np.hypot(o_lat - lat, (o_lon - lon) * scale))

    others = sorted((f for f in primary_districts() if f != force_id), key=distance)
    return tuple(others[:k])
