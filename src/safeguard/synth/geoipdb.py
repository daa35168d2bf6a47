"""Write the synthetic address plan as MaxMind DB files (City and Anonymous-IP).

The City database is *not* the address plan written out: like a real one it is often coarse
and sometimes wrong, so attribution is measured against error it did not generate itself.
Each UK fixed-line range is located by one profile (drawn per range, reproducibly):

- ``postal`` (55 %): a postcode district and a point, accuracy radius 5-50 km;
- ``city`` (30 %): a point only, radius 50 or 100 km (a circle holding several forces);
- ``country`` (15 %): the country only (MaxMind's GB default point, radius 200 km);

and 10 % of the located ones sit in a *neighbouring* force (a wrong city). The shares follow
the kind of figures MaxMind publishes (country right 99.8 %; city within 40 km 83 % in the
US, less elsewhere). UK mobile ranges
are located at their carrier's hub (London, Slough, Manchester, Birmingham or Glasgow) with
radius 20-500 km, wherever their users are.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
from mmdb_writer import MMDBWriter, TreeWriter
from netaddr import IPSet

from safeguard.synth.network import NetRange, nation
from safeguard.synth.params import PRODUCED_EPOCH
from safeguard.synth.ukgeo import force_point, force_towns, neighbour_forces, primary_districts
from safeguard.synth.world import COUNTRIES

__all__ = ["ANONYMOUS_DB", "CITY_DB", "HOME_PROFILES", "MOBILE_HUBS", "WRONG_CITY", "write_geoip"]

#: How UK fixed-line ranges are located, with their shares.
HOME_PROFILES = (("postal", 0.55), ("city", 0.30), ("country", 0.15))
_POSTAL_RADII = (5, 10, 20, 50)
_CITY_RADII = (50, 100)
#: Share of located UK fixed-line ranges placed in a neighbouring force.
WRONG_CITY = 0.10
#: MaxMind's country-level point for GB, with a country-sized radius.
_GB_DEFAULT = (51.4964, -0.1224, 200)
#: Where mobile carriers' ranges are located: (city, latitude, longitude).
MOBILE_HUBS = (
    ("London", 51.5074, -0.1278),
    ("Slough", 51.5105, -0.5950),
    ("Manchester", 53.4808, -2.2426),
    ("Birmingham", 52.4862, -1.8904),
    ("Glasgow", 55.8642, -4.2518),
)
_MOBILE_RADII = (20, 50, 200, 500)

CITY_DB = "Synth-City.mmdb"
ANONYMOUS_DB = "Synth-Anonymous-IP.mmdb"
_NAMES = {c.iso: c.name for c in COUNTRIES} | {"GB": "United Kingdom"}
_ANON_FLAGS = {
    "vpn": ("is_anonymous_vpn",),
    "tor": ("is_tor_exit_node",),
    "hosting": ("is_hosting_provider", "is_public_proxy"),
}


def _country(iso: str) -> dict[str, Any]:
    return {"iso_code": iso, "names": {"en": _NAMES[iso]}}


def _range_rng(r: NetRange) -> np.random.Generator:
    """A generator of this range's own (reproducible: the plan's ranges depend on the seed)."""
    return np.random.default_rng(int.from_bytes(hashlib.sha256(r.cidr.encode()).digest()[:8]))


def _located(
    rng: np.random.Generator, r: NetRange, force_id: str, at: tuple[float, float]
) -> tuple[str | None, str | None, float, float]:
    """(town, district, lat, lon): the range's own, or a neighbouring force's (wrong city)."""
    if rng.random() >= WRONG_CITY:
        return r.city, r.district, at[0], at[1]
    other = neighbour_forces(force_id)[int(rng.integers(0, 4))]
    towns, districts = force_towns()[other], primary_districts()[other]
    town = towns[int(rng.integers(0, len(towns)))]
    lat, lon = force_point(rng, other, town)
    return town, districts[int(rng.integers(0, len(districts)))], lat, lon


def _location(lat: float, lon: float, radius: int) -> dict[str, Any]:
    return {"latitude": float(lat), "longitude": float(lon), "accuracy_radius": radius}


def _uk_home(rec: dict[str, Any], r: NetRange, force_id: str, at: tuple[float, float]) -> None:
    rng = _range_rng(r)
    shares = [share for _, share in HOME_PROFILES]
    profile = HOME_PROFILES[int(rng.choice(len(shares), p=shares))][0]
    if profile == "country":
        rec["location"] = _location(*_GB_DEFAULT)
        return
    town, district, lat, lon = _located(rng, r, force_id, at)
    if town is not None:
        rec["city"] = {"names": {"en": town}}
    radii = _POSTAL_RADII if profile == "postal" else _CITY_RADII
    rec["location"] = _location(lat, lon, int(radii[int(rng.integers(0, len(radii)))]))
    if profile == "postal" and district is not None:
        rec["postal"] = {"code": district}


def _uk_mobile(rec: dict[str, Any], r: NetRange) -> None:
    rng = _range_rng(r)
    city, lat, lon = MOBILE_HUBS[int(rng.integers(0, len(MOBILE_HUBS)))]
    rec["city"] = {"names": {"en": city}}
    rec["location"] = _location(lat, lon, int(rng.choice(_MOBILE_RADII)))


def city_record(r: NetRange) -> dict[str, Any]:
    """A GeoIP2-City record shaped like MaxMind's, with a real database's kind of error."""
    rec: dict[str, Any] = {
        "country": _country(r.country),
        "registered_country": _country(r.country),
    }
    if r.force_id is not None:
        iso, name = nation(r.force_id)
        rec["subdivisions"] = [{"iso_code": iso, "names": {"en": name}}]
    home = r.country == "GB" and r.kind == "home"
    if home and r.force_id is not None and r.lat is not None and r.lon is not None:
        _uk_home(rec, r, r.force_id, (r.lat, r.lon))
    elif r.country == "GB" and r.kind == "mobile":
        _uk_mobile(rec, r)
    else:
        if r.city is not None:
            rec["city"] = {"names": {"en": r.city}}
        if r.lat is not None and r.lon is not None:
            rec["location"] = _location(r.lat, r.lon, 100)
    return rec


def anonymous_record(r: NetRange) -> dict[str, Any]:
    flags = _ANON_FLAGS[r.kind]
    rec: dict[str, Any] = {"is_anonymous": True}
    rec.update({f: True for f in flags})
    return rec


def _write(path: Path, database_type: str, items: list[tuple[str, dict[str, Any]]]) -> None:
    writer = MMDBWriter(
        ip_version=6,
        ipv4_compatible=True,
        database_type=database_type,
        languages=["en"],
        description={"en": "Safeguard synthetic GeoIP data: invented, not real geolocation"},
    )
    for cidr, record in items:
        writer.insert_network(IPSet([cidr]), record)
    meta = {
        "ip_version": 6,
        "database_type": database_type,
        "languages": ["en"],
        "binary_format_major_version": 2,
        "binary_format_minor_version": 0,
        "description": writer.description,
        "build_epoch": PRODUCED_EPOCH,  # fixed, so the file is byte-identical per seed
    }
    TreeWriter(writer.tree, meta, writer.int_type, writer.float_type).write(str(path))


def write_geoip(directory: Path, ranges: list[NetRange]) -> dict[str, Path]:
    """Write both databases into ``directory``; returns their paths by database type."""
    directory.mkdir(parents=True, exist_ok=True)
    city = directory / CITY_DB
    anon = directory / ANONYMOUS_DB
    _write(city, "GeoIP2-City", [(r.cidr, city_record(r)) for r in ranges])
    anon_items = [(r.cidr, anonymous_record(r)) for r in ranges if r.kind in _ANON_FLAGS]
    _write(anon, "GeoIP2-Anonymous-IP", anon_items)
    return {"GeoIP2-City": city, "GeoIP2-Anonymous-IP": anon}
