"""Write the synthetic address plan as MaxMind DB files (City and Anonymous-IP)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mmdb_writer import MMDBWriter, TreeWriter
from netaddr import IPSet

from safeguard.synth.network import NetRange, nation
from safeguard.synth.params import PRODUCED_EPOCH
from safeguard.synth.world import COUNTRIES

__all__ = ["ANONYMOUS_DB", "CITY_DB", "write_geoip"]

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


def city_record(r: NetRange) -> dict[str, Any]:
    """A GeoIP2-City record shaped like MaxMind's (only the fields the plan knows)."""
    rec: dict[str, Any] = {
        "country": _country(r.country),
        "registered_country": _country(r.country),
    }
    if r.city is not None:
        rec["city"] = {"names": {"en": r.city}}
    if r.lat is not None and r.lon is not None:
        radius = 20 if r.force_id else 100
        rec["location"] = {
            "latitude": float(r.lat),
            "longitude": float(r.lon),
            "accuracy_radius": radius,
        }
    if r.district is not None:
        rec["postal"] = {"code": r.district}
    if r.force_id is not None:
        iso, name = nation(r.force_id)
        rec["subdivisions"] = [{"iso_code": iso, "names": {"en": name}}]
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
