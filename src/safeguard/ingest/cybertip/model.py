"""What one CyberTipline report maps to, and the checks its values go through.

Pure: no store, no files. A value that fails its check is dropped and reported as a
:class:`Problem`; an event without a valid IP or time is refused (``refused=True``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from safeguard.ingest.normalise import (
    MAX_TIMESTAMP,
    MIN_TIMESTAMP,
    UK_REGIONS,
    normalise_email,
    normalise_ip,
    normalise_name,
    normalise_phone,
    normalise_postcode,
    normalise_username,
    parse_timestamp,
)
from safeguard.ingest.reasons import Reason
from safeguard.ingest.xmltree import XmlElement
from safeguard.records import LoginKind

__all__ = [
    "ESTIMATED_COUNTRY",
    "MAX_ID",
    "MAX_TEXT",
    "PERSON",
    "FileRecord",
    "Ident",
    "Login",
    "MappedReport",
    "Problem",
    "country",
    "hex_hash",
    "identity",
    "ip_event",
    "text",
    "timestamp",
]

#: ``account.attributes`` key read by the ``cybertip-location`` geolocator.
ESTIMATED_COUNTRY = "estimated_location_country"
PERSON = "personOrUserReported"
MAX_ID = 200
MAX_TEXT = 1_000_000
_HASH_SIZES = {"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128, "pdq": 64}
_HEX = re.compile(r"^[0-9a-f]+$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_EVENT_KINDS = {k.value: k.value for k in LoginKind} | {"purchase": "other", "unknown": "other"}


@dataclass(frozen=True)
class Problem:
    """A refused record (``refused``) or a dropped value, with where it was in the file."""

    line: int
    column: str
    reason: Reason
    value: str | None
    refused: bool = False


@dataclass(frozen=True)
class Ident:
    kind: str
    value: str
    norm: str
    alt_norm: str | None = None


@dataclass
class Login:
    """An IP capture event; ``possible_proxy`` as the reporter flagged it (None: unknown)."""

    line: int
    ts: datetime | None
    ip: str
    kind: str
    possible_proxy: bool | None = None
    port: int | None = None


@dataclass
class FileRecord:
    """One file's details; ``ts`` is None until its report's incident time fills it in."""

    line: int
    event_id: str
    ts: datetime | None
    file_name: str | None
    hashes: dict[str, str]
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class MappedReport:
    """Everything one report says, checked; ``refusal`` set when the report is refused."""

    line: int
    platform: str = ""
    account_key: str = ""
    report_id: str | None = None
    incident_time: datetime | None = None
    account: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    #: What this report alone says (incident, URLs, annotations...): its ``cybertip_report`` row.
    record: dict[str, Any] = field(default_factory=dict)
    identifiers: list[Ident] = field(default_factory=list)
    logins: list[Login] = field(default_factory=list)
    files: list[FileRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    refusal: Problem | None = None

    def drop(self, line: int, column: str, reason: Reason, value: str | None) -> None:
        self.problems.append(Problem(line, column, reason, value))


def text(report: MappedReport, el: XmlElement | None, column: str, limit: int) -> str | None:
    if el is None or not el.text:
        return None
    if "\x00" in el.text:
        report.drop(el.line, column, Reason.NUL_BYTE, el.text)
        return None
    if len(el.text) > limit:
        report.drop(el.line, column, Reason.TOO_LONG, el.text)
        return None
    return el.text


def timestamp(el: XmlElement | None) -> tuple[datetime | None, Reason | None]:
    if el is None or not el.text:
        return None, Reason.MISSING_VALUE
    try:
        ts = parse_timestamp(el.text)
    except ValueError:
        return None, Reason.BAD_TIMESTAMP
    if not MIN_TIMESTAMP <= ts < MAX_TIMESTAMP:
        return None, Reason.TIMESTAMP_OUT_OF_RANGE
    return ts, None


def hex_hash(kind: str, raw: str) -> str | None:
    """Lower-case hex of the algorithm's length, or ``None``."""
    value = raw.strip().lower()
    return value if len(value) == _HASH_SIZES[kind] and _HEX.match(value) else None


def ip_event(report: MappedReport, el: XmlElement, default_kind: str) -> Login | None:
    """One ``ipCaptureEvent``; a missing or bad IP, or a bad time, refuses the event.

    A capture without ``dateTime`` (optional in the schema) takes the report's incident time
    (``ts`` stays None until it is known, for a ``fileDetails`` document).
    """
    raw_ip = el.value("ipAddress")
    ip = normalise_ip(raw_ip) if raw_ip else None
    ts, ts_reason = timestamp(el.find("dateTime"))
    problem = None
    if ip is None:
        reason = Reason.BAD_IP if raw_ip else Reason.MISSING_VALUE
        problem = Problem(el.line, "ipCaptureEvent/ipAddress", reason, raw_ip, True)
    elif ts is None and ts_reason is not Reason.MISSING_VALUE:
        assert ts_reason is not None
        problem = Problem(el.line, "ipCaptureEvent/dateTime", ts_reason, el.value("dateTime"), True)
    if problem is not None:
        report.problems.append(problem)
        return None
    assert ip is not None
    kind = _event_kind(report, el, default_kind)
    when = ts or report.incident_time
    return Login(el.line, when, ip, kind, _proxy(report, el), _port(report, el))


def _port(report: MappedReport, el: XmlElement) -> int | None:
    raw = el.value("port")
    if raw is None:
        return None
    try:
        port = int(raw.strip())
    except ValueError:
        port = -1
    if 0 <= port <= 65535:
        return port
    report.drop(el.line, "ipCaptureEvent/port", Reason.BAD_INTEGER, raw)
    return None


def _event_kind(report: MappedReport, el: XmlElement, default_kind: str) -> str:
    raw = el.value("eventName")
    if raw is None:
        return default_kind
    kind = _EVENT_KINDS.get(raw.strip().lower())
    if kind is None:
        report.drop(el.line, "ipCaptureEvent/eventName", Reason.BAD_ENUM, raw)
        return default_kind
    return kind


def _proxy(report: MappedReport, el: XmlElement) -> bool | None:
    raw = el.value("possibleProxy")
    if raw is None:
        return None
    value = raw.strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    report.drop(el.line, "ipCaptureEvent/possibleProxy", Reason.BAD_ENUM, raw)
    return None


def country(raw: str | None) -> str | None:
    value = (raw or "").strip().upper()
    return value if _COUNTRY.match(value) else None


def identity(
    report: MappedReport, kind: str, raw: str, line: int, region: str | None
) -> Ident | None:
    """Add an email/phone/postcode/username/name identifier (a bad value is dropped)."""
    column = f"{PERSON}/{kind}"
    norm: tuple[str, str | None] | None
    if kind == "email":
        norm, reason = normalise_email(raw), Reason.BAD_EMAIL
    elif kind == "phone":
        e164 = normalise_phone(raw, region)
        norm, reason = (None if e164 is None else (e164, None)), Reason.BAD_PHONE
    elif kind == "postcode":
        norm, reason = _postcode(raw, region), Reason.BAD_POSTCODE
    else:
        single = normalise_username(raw) if kind == "username" else normalise_name(raw)
        norm, reason = (None if single is None else (single, None)), Reason.BAD_IDENTIFIER
    if norm is None:
        report.drop(line, column, reason, raw)
        return None
    ident = Ident(kind, raw, norm[0], norm[1])
    report.identifiers.append(ident)
    return ident


def _postcode(raw: str, region: str | None) -> tuple[str, str | None] | None:
    if region is None or region in UK_REGIONS:
        found = normalise_postcode(raw)
        return None if found is None else (found[0], found[1])
    foreign = " ".join(raw.upper().split())
    return (foreign, None) if 0 < len(foreign) <= 12 else None
