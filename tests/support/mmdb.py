"""Small MaxMind DB files written at test time (City and Anonymous-IP shaped records).

Records follow MaxMind's published GeoIP2 schema (``country.iso_code``, ``location`` with
``accuracy_radius`` in km, ``postal.code``; Anonymous-IP ``is_*`` flags), so each test states
exactly what the database says about each network.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mmdb_writer import MMDBWriter
from netaddr import IPSet

__all__ = ["city", "tor_exit", "write_mmdb"]


def write_mmdb(path: Path, database_type: str, networks: Mapping[str, Mapping[str, Any]]) -> Path:
    """Write ``networks`` (CIDR → record) as a MaxMind DB at ``path``."""
    writer = MMDBWriter(
        ip_version=6, ipv4_compatible=True, database_type=database_type, languages=["en"]
    )
    for cidr, record in networks.items():
        writer.insert_network(IPSet([cidr]), dict(record))
    path.parent.mkdir(parents=True, exist_ok=True)
    writer.to_db_file(str(path))
    return path


def city(
    country: str,
    lat: float | None = None,
    lon: float | None = None,
    radius_km: int | None = None,
    postal: str | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """A GeoIP2-City record."""
    rec: dict[str, Any] = {"country": {"iso_code": country}}
    if lat is not None and lon is not None:
        rec["location"] = {"latitude": lat, "longitude": lon}
        if radius_km is not None:
            rec["location"]["accuracy_radius"] = radius_km
    if postal:
        rec["postal"] = {"code": postal}
    if name:
        rec["city"] = {"names": {"en": name}}
    return rec


def tor_exit() -> dict[str, Any]:
    """A GeoIP2-Anonymous-IP record of a Tor exit node."""
    return {"is_anonymous": True, "is_tor_exit_node": True}
