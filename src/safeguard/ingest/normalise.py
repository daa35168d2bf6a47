"""Canonical forms of the identifiers and values a delivery carries.

Other stages (attribute, resolve, assess) import these, so names and signatures are stable.
Each function returns ``None`` for a value it cannot make sense of, except
:func:`parse_timestamp`, which raises :class:`ValueError` with the reason.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime

import phonenumbers

__all__ = [
    "MAX_TIMESTAMP",
    "MIN_TIMESTAMP",
    "UK_REGIONS",
    "normalise_email",
    "normalise_identifier",
    "normalise_ip",
    "normalise_name",
    "normalise_phone",
    "normalise_postcode",
    "normalise_text_id",
    "normalise_username",
    "parse_timestamp",
]

#: Timestamps before this are refused as out of range (no platform event is older).
MIN_TIMESTAMP = datetime(1970, 1, 1, tzinfo=UTC)
#: Timestamps from this on are refused as out of range.
MAX_TIMESTAMP = datetime(2100, 1, 1, tzinfo=UTC)

#: Declared countries whose postcodes are UK postcodes (and phones default to GB).
UK_REGIONS = frozenset({"GB", "UK", "GG", "JE", "IM"})

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
#: Providers that deliver ``local+tag@`` to ``local@``: the alternative form drops the tag.
_PLUS_TAG_DOMAINS = frozenset(
    {
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "live.com",
        "icloud.com",
        "me.com",
        "protonmail.com",
        "proton.me",
        "fastmail.com",
    }
)
_POSTCODE = re.compile(r"^(GIR|[A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
_SPACES = re.compile(r"\s+")


def normalise_email(raw: str | None) -> tuple[str, str | None] | None:
    """``(norm, alt_norm)``: norm is trimmed and lower-cased; alt_norm is a provider's looser form.

    Gmail: dots removed and ``+tag`` dropped from the local part, googlemail.com -> gmail.com.
    Providers with plus-addressing: ``+tag`` dropped. Other providers: alt_norm is ``None``.
    """
    if raw is None:
        return None
    norm = unicodedata.normalize("NFC", raw).strip().lower()
    if not _EMAIL.match(norm):
        return None
    local, domain = norm.rsplit("@", 1)
    if domain in _GMAIL_DOMAINS:
        base = local.split("+", 1)[0].replace(".", "")
        return norm, f"{base}@gmail.com" if base else None
    if domain in _PLUS_TAG_DOMAINS:
        base = local.split("+", 1)[0]
        return norm, f"{base}@{domain}" if base else None
    return norm, None


def normalise_phone(raw: str | None, region: str | None) -> str | None:
    """E.164 form (``+447700900123``); ``region`` (ISO alpha-2) hints national numbers, default GB.

    A number is accepted when ``phonenumbers`` finds it possible (right length for its
    country); validity against current numbering plans is not required.
    """
    if raw is None or not raw.strip():
        return None
    hint = (region or "GB").upper()
    hint = "GB" if hint == "UK" else hint
    try:
        num = phonenumbers.parse(raw.strip(), hint)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(num):
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def normalise_ip(raw: str | None) -> str | None:
    """Compressed text of an IPv4/IPv6 address; IPv4-mapped and -compatible IPv6 become IPv4.

    Only a plain address is one: an IPv6 zone id (``fe80::1%eth0``, which Python's
    ``ipaddress`` accepts with any text after the ``%``) or any other text gives ``None``.
    """
    if raw is None:
        return None
    text = raw.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.scope_id is not None:
            return None
        if addr.ipv4_mapped is not None:
            return str(addr.ipv4_mapped)
        if 1 < int(addr) < 2**32:
            return str(ipaddress.IPv4Address(int(addr)))
    return str(addr)


def normalise_username(raw: str | None) -> str | None:
    """Case-folded, NFKC-normalised, trimmed username."""
    if raw is None:
        return None
    norm = unicodedata.normalize("NFKC", raw).strip().casefold()
    return norm or None


def normalise_name(raw: str | None) -> str | None:
    """A person's or display name: case-folded with runs of whitespace collapsed."""
    if raw is None:
        return None
    norm = _SPACES.sub(" ", unicodedata.normalize("NFKC", raw)).strip().casefold()
    return norm or None


def normalise_text_id(raw: str | None) -> str | None:
    """An opaque identifier (device id, payment reference): trimmed, empty means unknown."""
    if raw is None:
        return None
    norm = raw.strip()
    return norm or None


def normalise_postcode(raw: str | None) -> tuple[str, str] | None:
    """``(postcode, district)`` of a UK postcode (``BD20 6AB``); a bare ``BD20`` is allowed."""
    if raw is None:
        return None
    text = _SPACES.sub("", raw).upper()
    if _DISTRICT.match(text):
        return text, text
    m = _POSTCODE.match(text)
    if m is None:
        return None
    return f"{m.group(1)} {m.group(2)}", m.group(1)


def parse_timestamp(raw: str) -> datetime:
    """A UTC-aware datetime from ISO 8601 text with ``Z`` or an offset.

    Raises :class:`ValueError` when the text is not ISO 8601, has no offset, or is outside
    [:data:`MIN_TIMESTAMP`, :data:`MAX_TIMESTAMP`).
    """
    value = datetime.fromisoformat(raw.strip())
    if value.tzinfo is None:
        raise ValueError(f"timestamp {raw!r} has no UTC offset")
    value = value.astimezone(UTC)
    if not MIN_TIMESTAMP <= value < MAX_TIMESTAMP:
        raise ValueError(f"timestamp {raw!r} is out of range")
    return value


def _single(func: Callable[[str | None], str | None]) -> _Normaliser:
    def apply(raw: str | None, region: str | None) -> tuple[str, str | None] | None:
        value = func(raw)
        return None if value is None else (value, None)

    return apply


def _phone(raw: str | None, region: str | None) -> tuple[str, str | None] | None:
    value = normalise_phone(raw, region)
    return None if value is None else (value, None)


def _postcode(raw: str | None, region: str | None) -> tuple[str, str | None] | None:
    return normalise_postcode(raw)


_Normaliser = Callable[[str | None, str | None], tuple[str, str | None] | None]

_BY_KIND: dict[str, _Normaliser] = {
    "email": lambda raw, region: normalise_email(raw),
    "phone": _phone,
    "ip": _single(normalise_ip),
    "postcode": _postcode,
    "username": _single(normalise_username),
    "name": _single(normalise_name),
    "device_id": _single(normalise_text_id),
    "payment_ref": _single(normalise_text_id),
}


def normalise_identifier(
    kind: str, raw: str | None, region: str | None
) -> tuple[str, str | None] | None:
    """``(norm, alt_norm)`` for an identifier of ``kind`` (an ``IdentifierKind`` value).

    Postcodes give ``(postcode, district)``; kinds without a looser form give ``alt_norm=None``;
    an unknown kind gives ``None``.
    """
    func = _BY_KIND.get(kind)
    return None if func is None else func(raw, region)
