"""UK police force areas: the 45 territorial forces, ROCUs, and postcode → force shares.

Loaded from the tables in ``safeguard/data/uk`` (provenance in its README). Every loader is
cached: the tables are read once per process.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "Force",
    "ForceShare",
    "area_shares",
    "district_residents",
    "district_shares",
    "force",
    "force_areas_geojson",
    "forces",
]

SCOTLAND_ID = "police-scotland"
SCOTLAND_CODE = "S23000009"


@dataclass(frozen=True)
class Force:
    force_id: str
    pfa_code: str
    name: str
    country: str
    rocu: str | None


@dataclass(frozen=True)
class ForceShare:
    force_id: str
    share: float
    is_primary: bool


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("safeguard.data.uk").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _force_id(row: dict[str, str]) -> str:
    """data.police.uk has no slug for Police Scotland; Safeguard uses ``police-scotland``."""
    return row["force_id"] or (SCOTLAND_ID if row["pfa_code"] == SCOTLAND_CODE else "")


@cache
def forces() -> dict[str, Force]:
    """The 45 territorial forces keyed by force id (43 England & Wales, Scotland, NI)."""
    rocus = {r["force_id"]: r["rocu"] for r in _rows("rocu.csv")}
    out: dict[str, Force] = {}
    for row in _rows("police_forces.csv"):
        fid = _force_id(row)
        out[fid] = Force(fid, row["pfa_code"], row["pfa_name"], row["country"], rocus.get(fid))
    return out


def force(force_id: str) -> Force:
    return forces()[force_id]


def _shares(name: str, key: str) -> dict[str, tuple[ForceShare, ...]]:
    grouped: dict[str, list[ForceShare]] = {}
    for row in _rows(name):
        share = ForceShare(_force_id(row), float(row["share"]), row["is_primary"] == "1")
        grouped.setdefault(row[key], []).append(share)
    return {
        k: tuple(sorted(v, key=lambda s: (-s.share, not s.is_primary))) for k, v in grouped.items()
    }


@cache
def district_shares() -> dict[str, tuple[ForceShare, ...]]:
    """Postcode district (``BD20``) → forces covering it, largest share first."""
    return _shares("postcode_district_to_pfa.csv", "postcode_district")


#: Mean residents of the small areas counted in ``n_lsoa`` (2011 censuses): an LSOA in
#: England and Wales (56.1M / 34,753), a Data Zone in Scotland (5.30M / 6,976), a Super Output
#: Area in Northern Ireland (1.81M / 890).
RESIDENTS_PER_UNIT = {"E": 1614, "W": 1614, "S": 760, "N": 2034}


@cache
def district_residents() -> dict[str, int]:
    """Postcode district → estimated residents (small areas × their mean population).

    Weights for anything that should follow where people live (synthetic operations):
    district counts alone would give Scotland about twice its share of the UK.
    """
    out: dict[str, int] = {}
    for row in _rows("postcode_district_to_pfa.csv"):
        per_unit = RESIDENTS_PER_UNIT[row["pfa_code"][0]]
        district = row["postcode_district"]
        out[district] = out.get(district, 0) + int(row["n_lsoa"]) * per_unit
    return out


@cache
def area_shares() -> dict[str, tuple[ForceShare, ...]]:
    """Postcode area (``BD``) → forces covering it, largest share first."""
    return _shares("postcode_area_to_pfa.csv", "postcode_area")


@cache
def force_areas_geojson() -> dict[str, Any]:
    """England & Wales force-area boundaries (WGS84), properties include ``force_id``."""
    ref = resources.files("safeguard.data.uk").joinpath(
        "police_force_areas_dec2020_ew_simplified.geojson"
    )
    data: dict[str, Any] = json.loads(ref.read_text(encoding="utf-8"))
    return data
