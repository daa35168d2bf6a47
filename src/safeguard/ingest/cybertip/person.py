"""``personOrUserReported`` -> the account's fields, identifiers, logins and location."""

from __future__ import annotations

from typing import Any

from safeguard.ingest.cybertip.extras import flatten, keep_rest
from safeguard.ingest.cybertip.model import (
    ESTIMATED_COUNTRY,
    MAX_ID,
    MAX_TEXT,
    PERSON,
    Ident,
    MappedReport,
    country,
    identity,
    ip_event,
    text,
)
from safeguard.ingest.reasons import Reason
from safeguard.ingest.xmltree import XmlElement

__all__ = ["device_ids", "map_person", "phone_text"]

_BASE = "personOrUserReportedPerson"
#: ``personOrUserReported`` children read into their own places; the rest is kept as
#: ``account.attributes["reported_person_other"]``.
_READ = {_BASE, "espIdentifier", "espService", "screenName", "displayName", "profileUrl",
         "profileBio", "ipCaptureEvent", "deviceId", "estimatedLocation",
         "additionalInfo"}  # fmt: skip
_PERSON_READ = {"firstName", "lastName", "phone", "email", "address", "dateOfBirth"}
_LOCATION = {"city": "estimated_location_city", "region": "estimated_location_region"}


def _location(report: MappedReport, person: XmlElement) -> str | None:
    """Estimated city, region and country (the country read by ``cybertip-location``)."""
    loc = person.find("estimatedLocation")
    if loc is None:
        return None
    for tag, key in _LOCATION.items():
        value = text(report, loc.find(tag), f"estimatedLocation/{tag}", MAX_ID)
        if value:
            report.attributes[key] = value
    for name in ("verified", "timestamp"):
        if name in loc.attrs:
            report.attributes[f"estimated_location_{name}"] = loc.attrs[name][:MAX_ID]
    el = loc.find("countryCode")
    if el is None or not el.text:
        return None
    code = country(el.text)
    if code is None:
        report.drop(el.line, "estimatedLocation/countryCode", Reason.BAD_COUNTRY, el.text)
        return None
    report.attributes[ESTIMATED_COUNTRY] = code
    return code


def _address(report: MappedReport, person: XmlElement) -> str | None:
    """The first address fills the declared columns; every address is kept in attributes."""
    addresses = person.findall(f"{_BASE}/address")
    if not addresses:
        return None
    report.attributes["addresses"] = [flatten(a) for a in addresses]
    first = addresses[0]
    city = text(report, first.find("city"), "address/city", MAX_TEXT)
    if city:
        report.account["declared_city"] = city
    street = text(report, first.find("address"), "address/address", MAX_TEXT)
    if street:
        report.attributes["street_address"] = street
    region = first.value("nonUsaState") or first.value("state")
    if region:
        report.attributes["address_region"] = region[:MAX_ID]
    raw_country = first.value("country")
    code = country(raw_country)
    if code:
        report.account["declared_country"] = code
    elif raw_country:
        report.attributes["address_country"] = raw_country[:MAX_ID]
    for address in addresses:
        postcode = address.find("zipCode") or address.find("postalCode")
        if postcode is None or not postcode.text:
            continue
        ident = identity(report, "postcode", postcode.text, postcode.line, code)
        if ident is not None and address is first:
            report.account["declared_postcode"] = ident.norm[:12]
            if ident.alt_norm:
                report.account["declared_district"] = ident.alt_norm[:6]
    return code


def phone_text(el: XmlElement) -> str:
    """The number as delivered, with its ``countryCallingCode`` in front (``+1 202-555-0123``).

    A number already written with a leading ``+`` keeps its own code.
    """
    number = el.text.strip()
    code = el.attrs.get("countryCallingCode", "").strip().lstrip("+")
    if code.isdigit() and not number.startswith("+"):
        return f"+{code} {number}"
    return number


def _contacts(report: MappedReport, person: XmlElement, region: str | None) -> None:
    for el in person.findall(f"{_BASE}/email"):
        if el.text:
            identity(report, "email", el.text, el.line, region)
    for el in person.findall(f"{_BASE}/phone"):
        if el.text:
            identity(report, "phone", phone_text(el), el.line, region)


def _real_name(report: MappedReport, person: XmlElement) -> None:
    parts = []
    for tag, key in (("firstName", "first_name"), ("lastName", "last_name")):
        el = person.find(f"{_BASE}/{tag}")
        value = text(report, el, f"{_BASE}/{tag}", MAX_ID)
        if value and el is not None:
            report.attributes[key] = value
            parts.append(value)
    if parts:
        identity(report, "name", " ".join(parts), person.line, None)


def _names(report: MappedReport, person: XmlElement) -> None:
    screen = text(report, person.find("screenName"), f"{PERSON}/screenName", MAX_TEXT)
    if screen:
        report.account["username"] = screen
        identity(report, "username", screen, person.line, None)
    shown: list[str] = []
    for el in person.findall("displayName"):
        display = text(report, el, f"{PERSON}/displayName", MAX_TEXT)
        if display:
            report.account.setdefault("display_name", display)
            identity(report, "name", display, el.line, None)
            shown.append(display)
    if shown:
        report.attributes["display_names"] = shown
    _real_name(report, person)


def device_ids(report: MappedReport, parent: XmlElement, column: str) -> list[dict[str, Any]]:
    """``deviceId`` children -> ``device_id`` identifiers; returns each as JSON (with type)."""
    kept: list[dict[str, Any]] = []
    for el in parent.findall("deviceId"):
        value = el.value("idValue") or el.text
        if not value:
            continue
        if len(value) > 1000 or "\x00" in value:
            reason = Reason.TOO_LONG if len(value) > 1000 else Reason.NUL_BYTE
            report.drop(el.line, column, reason, value)
            continue
        report.identifiers.append(Ident("device_id", value, value.strip()))
        kept.append(flatten(el) if el.children else {"idValue": value})
    return kept


def _date_of_birth(report: MappedReport, person: XmlElement) -> None:
    from datetime import date

    el = person.find(f"{_BASE}/dateOfBirth")
    if el is None or not el.text:
        return
    try:
        born = date.fromisoformat(el.text.strip()[:10])
    except ValueError:
        born = None
    if born is None or not 1900 <= born.year < 2100:
        report.drop(el.line, f"{_BASE}/dateOfBirth", Reason.BAD_DATE, el.text)
        return
    report.account["date_of_birth"] = born


def _profile(report: MappedReport, person: XmlElement) -> None:
    urls = [el.text[:2000] for el in person.findall("profileUrl") if el.text]
    if urls:
        report.attributes["profile_urls"] = urls
    service = text(report, person.find("espService"), f"{PERSON}/espService", MAX_ID)
    if service:
        report.attributes["esp_service"] = service
    bio = text(report, person.find("profileBio"), f"{PERSON}/profileBio", MAX_TEXT)
    if bio:
        report.account["bio"] = bio
    info = text(report, person.find("additionalInfo"), f"{PERSON}/additionalInfo", MAX_TEXT)
    if info:
        report.record["person_additional_info"] = info
    other: dict[str, Any] = {}
    keep_rest(other, person, _READ)
    base = person.find(_BASE)
    if base is not None:
        keep_rest(other, base, _PERSON_READ)
    if other:
        report.attributes["reported_person_other"] = other


def map_person(report: MappedReport, person: XmlElement) -> None:
    """Everything ``personOrUserReported`` says about the reported user."""
    _names(report, person)
    declared = _address(report, person)
    located = _location(report, person)
    _contacts(report, person, declared or located)
    _date_of_birth(report, person)
    devices = device_ids(report, person, f"{PERSON}/deviceId")
    if devices:
        report.attributes["device_ids"] = devices
    _profile(report, person)
    for el in person.findall("ipCaptureEvent"):
        login = ip_event(report, el, "login")
        if login is not None:
            report.logins.append(login)
    _account_contacts(report)


def _account_contacts(report: MappedReport) -> None:
    """The account's own email and phone: the first valid one of each."""
    for ident in report.identifiers:
        if ident.kind == "email":
            report.account.setdefault("email", ident.value.strip())
        elif ident.kind == "phone":
            report.account.setdefault("phone", ident.norm)
