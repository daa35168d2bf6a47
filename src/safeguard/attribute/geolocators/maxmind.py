"""IP evidence from MaxMind databases: City/Country for places, Anonymous-IP for VPN/Tor."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import maxminddb

from safeguard.attribute.facts import AccountFacts, Evidence, IpUse
from safeguard.attribute.geolocators.base import SourceGeolocator
from safeguard.attribute.places import ForceCandidates, forces_for_postcode, forces_near
from safeguard.config import Settings
from safeguard.errors import ConfigError, NotConfigured

__all__ = [
    "ANONYMOUS_FACTOR",
    "SHARED_IP_ACCOUNTS",
    "MaxMindAnonymous",
    "MaxMindCity",
    "open_reader",
]

#: An anonymous (VPN, Tor, hosting, proxy) login's weight as a share of an ordinary one's:
#: none. An anonymiser's location is the exit's, not its user's; the item stays in the
#: evidence, flagged, to explain why the login placed nobody.
ANONYMOUS_FACTOR = 0.0
#: A location less precise than this (km) places a country but no force.
MAX_FORCE_RADIUS_KM = 100
#: Radius assumed when a record has a location but no ``accuracy_radius``.
DEFAULT_RADIUS_KM = 25
#: An address used by more of the operation's accounts than this is shared infrastructure
#: (a mobile carrier's NAT, located at the carrier's hub, not at its users): country only.
SHARED_IP_ACCOUNTS = 4
_FLAGS = (
    "is_anonymous_vpn",
    "is_tor_exit_node",
    "is_hosting_provider",
    "is_public_proxy",
    "is_residential_proxy",
)


def open_reader(path: Path | None, setting: str) -> maxminddb.Reader:
    """Open a MaxMind database, or explain which setting to fix.

    Raises :class:`NotConfigured` when ``path`` is unset and :class:`ConfigError` when the
    configured file cannot be opened as a MaxMind database.
    """
    if path is None:
        raise NotConfigured(f"{setting} is not set")
    if not path.is_file():
        raise ConfigError(f"{setting}: no such file {path}")
    try:
        return maxminddb.open_database(str(path))
    except (OSError, maxminddb.InvalidDatabaseError, ValueError) as exc:
        raise ConfigError(f"{setting}: {path} is not a readable MaxMind database") from exc


def _lookup(reader: maxminddb.Reader, ip: str) -> Mapping[str, Any] | None:
    try:
        found = reader.get(ip)
    except ValueError:
        return None
    return found if isinstance(found, Mapping) else None


def _name(node: Any) -> str | None:
    if isinstance(node, Mapping):
        names = node.get("names")
        if isinstance(names, Mapping):
            value = names.get("en")
            return str(value) if value else None
    return None


@dataclass(frozen=True)
class _Place:
    country: str
    forces: ForceCandidates
    detail: Mapping[str, Any]


def _uk_forces(record: Mapping[str, Any], postal: str | None) -> tuple[ForceCandidates, str]:
    if postal:
        forces, basis = forces_for_postcode(postal)
        if forces:
            return forces, f"postal-{basis}"
    loc = record.get("location") or {}
    lat, lon = loc.get("latitude"), loc.get("longitude")
    radius = float(loc.get("accuracy_radius") or DEFAULT_RADIUS_KM)
    if lat is None or lon is None or radius > MAX_FORCE_RADIUS_KM:
        return (), "country"
    found = forces_near(round(float(lat), 4), round(float(lon), 4), radius)
    return (found, "location") if found else ((), "country")


def _place(record: Mapping[str, Any]) -> _Place | None:
    country = (record.get("country") or {}).get("iso_code")
    if not country:
        return None
    postal = (record.get("postal") or {}).get("code")
    subdivisions = record.get("subdivisions") or []
    detail: dict[str, Any] = {
        "city": _name(record.get("city")),
        "region": _name(subdivisions[-1]) if subdivisions else None,
        "postal": postal,
        "accuracy_km": (record.get("location") or {}).get("accuracy_radius"),
    }
    forces: ForceCandidates = ()
    basis = "country"
    if country == "GB":
        forces, basis = _uk_forces(record, postal)
    detail["basis"] = basis
    return _Place(str(country), forces, {k: v for k, v in detail.items() if v is not None})


class MaxMindCity(SourceGeolocator):
    """Each login IP → the country (and UK force) of a GeoIP2/GeoLite2 City or Country DB.

    The country is ``country`` (where the user is), never ``registered_country``. A UK force
    comes from the postal code (district shares) or, failing that, a precise location.
    Lookups are cached per IP: many logins share addresses.
    """

    name = "maxmind-city"

    def __init__(self, reader: maxminddb.Reader) -> None:
        self._reader = reader
        self._cache: dict[str, _Place | None] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> MaxMindCity:
        return cls(open_reader(settings.geoip_city, "SAFEGUARD_GEOIP_CITY"))

    def place(self, ip: str) -> _Place | None:
        if ip not in self._cache:
            record = _lookup(self._reader, ip)
            self._cache[ip] = _place(record) if record is not None else None
        return self._cache[ip]

    def country(self, ip: str) -> str | None:
        """The country of ``ip`` only (no force: cheaper than :meth:`place` when uncached)."""
        if ip in self._cache:
            place = self._cache[ip]
            return place.country if place is not None else None
        record = _lookup(self._reader, ip) or {}
        found = (record.get("country") or {}).get("iso_code")
        return str(found) if found else None

    def _item(self, use: IpUse, place: _Place) -> Evidence:
        detail = {"ip": use.ip, "logins": use.logins, **place.detail}
        forces = place.forces
        if use.accounts > SHARED_IP_ACCOUNTS:
            detail.update(shared_by=use.accounts, basis="shared")
            forces = ()
        return Evidence(
            source=self.name,
            family="ip",
            country=place.country,
            detail=detail,
            forces=forces,
            weight=float(use.logins),
            observations=use.logins,
            first=use.first,
            last=use.last,
        )

    def locate(self, facts: AccountFacts) -> list[Evidence]:
        out = []
        for use in facts.ips:
            place = self.place(use.ip)
            if place is not None:
                out.append(self._item(use, place))
        return out


class MaxMindAnonymous:
    """Modifier: logins from VPN, Tor, hosting or proxy addresses carry no location weight."""

    name = "maxmind-anonymous"

    def __init__(self, reader: maxminddb.Reader) -> None:
        self._reader = reader
        self._cache: dict[str, tuple[str, ...]] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> MaxMindAnonymous:
        return cls(open_reader(settings.geoip_anonymous, "SAFEGUARD_GEOIP_ANONYMOUS"))

    def flags(self, ip: str) -> tuple[str, ...]:
        """The anonymity flags set for ``ip`` (empty for an ordinary address)."""
        if ip not in self._cache:
            record = _lookup(self._reader, ip) or {}
            found = tuple(f.removeprefix("is_") for f in _FLAGS if record.get(f))
            if not found and record.get("is_anonymous"):
                found = ("anonymous",)
            self._cache[ip] = found
        return self._cache[ip]

    def apply(self, facts: AccountFacts, items: Sequence[Evidence]) -> list[Evidence]:
        return [self._reweigh(item) for item in items]

    def _reweigh(self, item: Evidence) -> Evidence:
        ip = item.detail.get("ip") if item.family == "ip" else None
        flags = self.flags(str(ip)) if ip else ()
        if not flags:
            return item
        detail = {**item.detail, "anonymous": True, "anonymity": list(flags)}
        return replace(item, weight=item.weight * ANONYMOUS_FACTOR, anonymous=True, detail=detail)
