"""The registry of geolocators: evidence sources first, modifiers after them.

``GEOLOCATORS`` maps each stable name to its :class:`GeolocatorSpec`; it is checked at import
(a duplicate name fails loudly) and listed by ``safeguard plugins``.
"""

from __future__ import annotations

from safeguard.attribute.geolocators.base import Geolocator, GeolocatorSpec, SourceGeolocator
from safeguard.attribute.geolocators.maxmind import MaxMindAnonymous, MaxMindCity
from safeguard.attribute.geolocators.peers import RangePeers
from safeguard.attribute.geolocators.simple import (
    CoordinatesGeolocator,
    CybertipLocation,
    DeclaredGeolocator,
    PhoneGeolocator,
    PostcodeGeolocator,
)
from safeguard.registry import by_name

__all__ = ["GEOLOCATORS", "Geolocator", "GeolocatorSpec", "SourceGeolocator"]

_BUILT_IN = (
    GeolocatorSpec(
        "maxmind-city",
        "login IPs → country, UK force by postal code or location (MaxMind City/Country DB)",
        False,
        MaxMindCity.from_settings,
    ),
    GeolocatorSpec(
        "phone",
        "phone numbers → country; UK geographic area codes → force",
        False,
        PhoneGeolocator.from_settings,
    ),
    GeolocatorSpec(
        "declared",
        "declared country, and declared UK town → force",
        False,
        DeclaredGeolocator.from_settings,
    ),
    GeolocatorSpec(
        "postcode",
        "UK postcodes → forces by postcode-district shares",
        False,
        PostcodeGeolocator.from_settings,
    ),
    GeolocatorSpec(
        "coordinates",
        "latitude/longitude → force area (point in polygon)",
        False,
        CoordinatesGeolocator.from_settings,
    ),
    GeolocatorSpec(
        "cybertip-location",
        "CyberTipline estimatedLocation country",
        False,
        CybertipLocation.from_settings,
    ),
    GeolocatorSpec(
        "maxmind-anonymous",
        "modifier: VPN/Tor/hosting/proxy IPs carry no location weight (MaxMind Anonymous-IP DB)",
        True,
        MaxMindAnonymous.from_settings,
    ),
    GeolocatorSpec(
        "ip-range-peers",
        "modifier: a UK fixed-line range → force, from its other users' declared places",
        True,
        RangePeers.from_settings,
    ),
)


#: Every built-in geolocator by name, in the order they run (modifiers last).
GEOLOCATORS: dict[str, GeolocatorSpec] = by_name(
    "geolocator", sorted(_BUILT_IN, key=lambda s: s.modifier)
)
