"""``personOrUserReported`` -> the account's fields, identifiers, logins and location."""

from __future__ import annotations

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

__all__ = ["map_person"]


def _location(report: MappedReport, person: XmlElement) -> str | None:
    el = person.find("estimatedLocation/countryCode")
    if el is None or not el.text:
        return None
    code = country(el.text)
    if code is None:
        report.drop(el.line, "estimatedLocation/countryCode", Reason.BAD_COUNTRY, el.text)
        return None
    report.attributes[ESTIMATED_COUNTRY] = code
    return code


def _address(report: MappedReport, person: XmlElement) -> str | None:
    """City, country and postcode of the first address; returns the declared country."""
    address = person.find("personOrUserReportedPerson/address")
    if address is None:
        return None
    city = text(report, address.find("city"), "address/city", MAX_TEXT)
    if city:
        report.account["declared_city"] = city
    raw_country = address.value("country")
    code = country(raw_country)
    if code:
        report.account["declared_country"] = code
    elif raw_country:
        report.attributes["address_country"] = raw_country[:MAX_ID]
    postcode = address.find("zipCode") or address.find("postalCode")
    if postcode is not None and postcode.text:
        identity(report, "postcode", postcode.text, postcode.line, code)
    return code


def _contacts(report: MappedReport, person: XmlElement, region: str | None) -> None:
    base = "personOrUserReportedPerson"
    for el in person.findall(f"{base}/email"):
        if el.text:
            identity(report, "email", el.text, el.line, region)
    for el in person.findall(f"{base}/phone"):
        if el.text:
            identity(report, "phone", el.text, el.line, region)


def _names(report: MappedReport, person: XmlElement) -> None:
    screen = text(report, person.find("screenName"), f"{PERSON}/screenName", MAX_TEXT)
    if screen:
        report.account["username"] = screen
        identity(report, "username", screen, person.line, None)
    display = text(report, person.find("displayName"), f"{PERSON}/displayName", MAX_TEXT)
    if display:
        report.account["display_name"] = display
        identity(report, "name", display, person.line, None)


def _devices(report: MappedReport, person: XmlElement) -> None:
    for el in person.findall("deviceId"):
        value = el.value("idValue") or el.text
        if not value:
            continue
        if len(value) > 1000 or "\x00" in value:
            reason = Reason.TOO_LONG if len(value) > 1000 else Reason.NUL_BYTE
            report.drop(el.line, f"{PERSON}/deviceId", reason, value)
            continue
        report.identifiers.append(Ident("device_id", value, value.strip()))


def map_person(report: MappedReport, person: XmlElement) -> None:
    """Everything ``personOrUserReported`` says about the reported user."""
    _names(report, person)
    declared = _address(report, person)
    located = _location(report, person)
    _contacts(report, person, declared or located)
    _devices(report, person)
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
