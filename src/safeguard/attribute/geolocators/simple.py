"""Geolocators that need no database: phone, declared profile, postcode, coordinates, report."""

from __future__ import annotations

from functools import cache

import phonenumbers
from phonenumbers import geocoder

from safeguard.attribute.facts import AccountFacts, Evidence
from safeguard.attribute.geolocators.base import SourceGeolocator
from safeguard.attribute.places import force_at, forces_for_place, forces_for_postcode, outward_code
from safeguard.config import Settings

__all__ = [
    "CoordinatesGeolocator",
    "CybertipLocation",
    "DeclaredGeolocator",
    "PhoneGeolocator",
    "PostcodeGeolocator",
]


def _country_code(value: str | None) -> str | None:
    text = (value or "").strip().upper()
    return text if len(text) == 2 and text.isalpha() else None


@cache
def _phone_place(number: str) -> tuple[str | None, str | None, bool, str]:
    """(country, force, plausible, area description) of an E.164 number.

    Full validation is slow, so it is only used where a country code is shared by several
    regions (+1, +44, +7...); UK geographic numbers are those starting 01/02.
    """
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None, None, False, ""
    code = parsed.country_code or 0
    plausible = phonenumbers.is_possible_number(parsed)
    region = phonenumbers.region_code_for_country_code(code)
    if len(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code, ())) > 1:
        region = phonenumbers.region_code_for_number(parsed) or region
    country = _country_code(region) if region not in ("001", "ZZ") else None
    if country != "GB" or str(parsed.national_number)[:1] not in ("1", "2"):
        return country, None, plausible, ""
    area = geocoder.description_for_number(parsed, "en")
    return country, forces_for_place(area) if area else None, plausible, area


class PhoneGeolocator(SourceGeolocator):
    """A phone number's country; a UK geographic area code (``01274`` Bradford) → force."""

    name = "phone"

    def locate(self, facts: AccountFacts) -> list[Evidence]:
        out = []
        for number in dict.fromkeys(facts.phones):
            country, force, valid, area = _phone_place(number)
            if country is None:
                continue
            detail = {"phone": number, "valid": valid}
            if area:
                detail["area"] = area
            out.append(
                Evidence(
                    source=self.name,
                    family="phone",
                    country=country,
                    detail=detail,
                    forces=((force, 1.0),) if force else (),
                    weight=1.0 if valid else 0.5,
                    strong=force is not None,
                )
            )
        return out

    @classmethod
    def from_settings(cls, settings: Settings) -> PhoneGeolocator:
        return cls()


class DeclaredGeolocator(SourceGeolocator):
    """What the user typed in the profile: country, and a UK town → force."""

    name = "declared"

    def locate(self, facts: AccountFacts) -> list[Evidence]:
        out = []
        country = _country_code(facts.declared_country)
        if country:
            out.append(Evidence(self.name, "declared", country, {"declared_country": country}))
        city = (facts.declared_city or "").strip()
        force = forces_for_place(city) if city and country in (None, "GB") else None
        if force:
            out.append(
                Evidence(self.name, "declared", "GB", {"declared_city": city}, ((force, 1.0),))
            )
        return out

    @classmethod
    def from_settings(cls, settings: Settings) -> DeclaredGeolocator:
        return cls()


class PostcodeGeolocator(SourceGeolocator):
    """UK postcodes (declared, or delivered as identifiers) → forces by district shares.

    ``BD20`` yields West Yorkshire (0.70) with North Yorkshire (0.30) as the alternative. A
    district unknown to the tables falls back to its area (``BD``) and is then not strong.
    """

    name = "postcode"

    def _postcodes(self, facts: AccountFacts) -> list[str]:
        found = [facts.declared_postcode, *facts.postcodes, facts.declared_district]
        seen: dict[str, str] = {}
        for value in found:
            if value and value.strip():
                key = outward_code(value) or value.strip().upper()
                seen.setdefault(key, value.strip().upper())
        return list(seen.values())

    def locate(self, facts: AccountFacts) -> list[Evidence]:
        out = []
        for postcode in self._postcodes(facts):
            forces, basis = forces_for_postcode(postcode)
            if not forces:
                continue
            detail = {"postcode": postcode, "district": outward_code(postcode), "basis": basis}
            out.append(
                Evidence(self.name, "postcode", "GB", detail, forces, strong=basis == "district")
            )
        return out

    @classmethod
    def from_settings(cls, settings: Settings) -> PostcodeGeolocator:
        return cls()


class CoordinatesGeolocator(SourceGeolocator):
    """Latitude/longitude in the account's data → the force area holding the point."""

    name = "coordinates"

    def locate(self, facts: AccountFacts) -> list[Evidence]:
        out = []
        for lat, lon in dict.fromkeys(facts.coordinates):
            force = force_at(lat, lon)
            if force is None:
                continue
            detail = {"latitude": lat, "longitude": lon}
            out.append(
                Evidence(self.name, "coordinates", "GB", detail, ((force, 1.0),), strong=True)
            )
        return out

    @classmethod
    def from_settings(cls, settings: Settings) -> CoordinatesGeolocator:
        return cls()


class CybertipLocation(SourceGeolocator):
    """A CyberTipline report's ``estimatedLocation`` country (NCMEC's own IP-based guess)."""

    name = "cybertip-location"

    def locate(self, facts: AccountFacts) -> list[Evidence]:
        country = _country_code(facts.estimated_country)
        if country is None:
            return []
        return [Evidence(self.name, "report", country, {"estimated_country": country})]

    @classmethod
    def from_settings(cls, settings: Settings) -> CybertipLocation:
        return cls()
