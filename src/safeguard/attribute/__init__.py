"""Attribution: each account and subject → country, UK police force and ROCU, with a
confidence and the evidence behind it (see ``docs/attribution.md``)."""

from __future__ import annotations

from safeguard.attribute.facts import AccountFacts, Evidence, IpUse
from safeguard.attribute.geolocators import GEOLOCATORS, Geolocator, GeolocatorSpec
from safeguard.attribute.stage import AttributionResult, attribute_subjects, geoip_warnings, run

__all__ = [
    "GEOLOCATORS",
    "AccountFacts",
    "AttributionResult",
    "Evidence",
    "Geolocator",
    "GeolocatorSpec",
    "IpUse",
    "attribute_subjects",
    "geoip_warnings",
    "run",
]
