"""UK places → police forces: postcodes, coordinates and place names.

Built once per process from :mod:`safeguard.refdata.uk`: postcode district (or area) shares,
the force-area polygons in an STRtree, and a place-name table (local authority names of
England & Wales plus the main towns of Scotland and Northern Ireland).
"""

from __future__ import annotations

import csv
import math
import re
from functools import cache, lru_cache
from importlib import resources

import shapely
import shapely.affinity
from shapely import STRtree
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from safeguard.refdata import uk

__all__ = [
    "ForceCandidates",
    "force_at",
    "forces_for_place",
    "forces_for_postcode",
    "forces_near",
    "outward_code",
]

#: Candidate forces with their shares, largest first.
ForceCandidates = tuple[tuple[str, float], ...]

_OUTWARD = re.compile(r"^([A-Z]{1,2}[0-9][0-9A-Z]?)")
_AREA = re.compile(r"^([A-Z]{1,2})")
#: Points this close (degrees, ~5 km) outside a simplified coastline still count.
_COAST_TOLERANCE = 0.05
_NI_BOX = (54.0, 55.35, -8.2, -5.4)  # lat min, lat max, lon min, lon max
_SCOTLAND_BOX = (54.6, 61.0, -8.7, -0.7)
_SCOTLAND = "police-scotland"
_NI = "northern-ireland"
_EXTRA_PLACES = {
    "london": "metropolitan",
    "greater london": "metropolitan",
    "edinburgh": _SCOTLAND,
    "glasgow": _SCOTLAND,
    "aberdeen": _SCOTLAND,
    "dundee": _SCOTLAND,
    "inverness": _SCOTLAND,
    "stirling": _SCOTLAND,
    "perth": _SCOTLAND,
    "belfast": _NI,
    "londonderry": _NI,
    "derry": _NI,
    "lisburn": _NI,
    "newry": _NI,
    "armagh": _NI,
}


def outward_code(postcode: str) -> str | None:
    """The outward code (district) of a full or partial postcode: ``bd20 6ab`` → ``BD20``."""
    text = postcode.strip().upper()
    if " " in text:
        text = text.split()[0]
    elif len(text) >= 5:
        text = text[:-3]
    match = _OUTWARD.match(text)
    return match.group(1) if match and match.group(1) == text else None


def forces_for_postcode(postcode: str) -> tuple[ForceCandidates, str]:
    """Forces covering a postcode (by district, else by area) and the basis used."""
    district = outward_code(postcode)
    if district is not None:
        shares = uk.district_shares().get(district)
        if shares:
            return tuple((s.force_id, s.share) for s in shares), "district"
    area = _AREA.match(postcode.strip().upper())
    if area is not None:
        shares = uk.area_shares().get(area.group(1))
        if shares:
            return tuple((s.force_id, s.share) for s in shares), "area"
    return (), "unknown"


@cache
def _tree() -> tuple[STRtree, tuple[str, ...]]:
    features = uk.force_areas_geojson()["features"]
    geoms: list[BaseGeometry] = [shape(f["geometry"]) for f in features]
    for geom in geoms:
        shapely.prepare(geom)
    ids = tuple(str(f["properties"]["force_id"]) for f in features)
    return STRtree(geoms), ids


def _in_box(lat: float, lon: float, box: tuple[float, float, float, float]) -> bool:
    return box[0] <= lat <= box[1] and box[2] <= lon <= box[3]


def force_at(lat: float, lon: float) -> str | None:
    """The force whose area holds a WGS84 point, or ``None`` outside the UK.

    England & Wales by point-in-polygon (with a small coastal tolerance); Northern Ireland
    and Scotland, which have no polygons in the reference data, by bounding boxes.
    """
    tree, ids = _tree()
    point = shapely.Point(lon, lat)
    hits = tree.query(point, predicate="intersects")
    if len(hits):
        return ids[int(min(hits))]
    near = tree.query_nearest(point, max_distance=_COAST_TOLERANCE)
    if len(near):
        return ids[int(min(near))]
    if _in_box(lat, lon, _NI_BOX):
        return _NI
    if _in_box(lat, lon, _SCOTLAND_BOX):
        return _SCOTLAND
    return None


def _circle_shares(lat: float, lon: float, radius_km: float) -> dict[str, float]:
    """Force id → share of the land area of a circle (England & Wales polygons)."""
    tree, ids = _tree()
    dlat = radius_km / 111.0
    dlon = dlat / max(math.cos(math.radians(lat)), 0.1)
    circle = shapely.affinity.scale(shapely.Point(lon, lat).buffer(1.0, 16), dlon, dlat)
    areas: dict[str, float] = {}
    for idx in tree.query(circle, predicate="intersects"):
        area = tree.geometries[int(idx)].intersection(circle).area
        if area > 0:
            areas[ids[int(idx)]] = areas.get(ids[int(idx)], 0.0) + area
    total = sum(areas.values())
    return {fid: area / total for fid, area in areas.items()} if total > 0 else {}


#: Circles (as fractions of the accuracy radius) whose shares are averaged: the user is more
#: likely near the location than at the edge of its radius.
_RINGS = (1 / 4, 1 / 2, 1.0)


@lru_cache(maxsize=65536)
def forces_near(lat: float, lon: float, radius_km: float) -> ForceCandidates:
    """Forces sharing the area within ``radius_km`` of a point, weighted towards the point.

    A MaxMind location is the centre of an area, not a house, and the user is likelier near
    its centre than at its edge: the shares are the mean of each force's share of the land
    in circles of 1/4, 1/2 and all of the radius (so the centre's force weighs most, and a
    large neighbour's rural land does not outweigh it). Outside the England & Wales polygons
    it falls back to :func:`force_at`.
    """
    if radius_km <= 1:
        found = force_at(lat, lon)
        return ((found, 1.0),) if found else ()
    mixed: dict[str, float] = {}
    rings = [_circle_shares(lat, lon, radius_km * k) for k in _RINGS]
    for shares in rings:
        for fid, share in shares.items():
            mixed[fid] = mixed.get(fid, 0.0) + share / len(rings)
    total = sum(mixed.values())
    if total <= 0:
        found = force_at(lat, lon)
        return ((found, 1.0),) if found else ()
    ranked = sorted(mixed.items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple((fid, round(v / total, 4)) for fid, v in ranked if v / total >= 0.01)


def _norm_place(name: str) -> str:
    return " ".join(re.sub(r"[^a-z ]", " ", name.lower()).split())


@cache
def _places() -> dict[str, str]:
    text = (
        resources.files("safeguard.data.uk")
        .joinpath("ons_LAD19_CSP19_PFA19_EW_lookup.csv")
        .read_text(encoding="utf-8")
    )
    by_code = {f.pfa_code: f.force_id for f in uk.forces().values()}
    out: dict[str, str] = {}
    for row in csv.DictReader(text.splitlines()):
        force_id = by_code.get(row["PFA19CD"])
        if force_id:
            out[_norm_place(row["LAD19NM"])] = force_id
    out.update(_EXTRA_PLACES)
    return out


def forces_for_place(name: str) -> str | None:
    """The force of a UK town or local authority name (``Bradford``), if known."""
    key = _norm_place(name)
    if not key:
        return None
    places = _places()
    found = places.get(key)
    if found is None and "," in name:
        found = places.get(_norm_place(name.split(",", maxsplit=1)[0]))
    return found
