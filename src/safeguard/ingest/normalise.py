"""Canonical forms of the identifiers and values a delivery carries.

Other stages (attribute, resolve, assess) import these, so names and signatures are stable.
Each function returns ``None`` for a value it cannot make sense of, except
:func:`parse_timestamp`, which raises :class:`ValueError` with the reason.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import phonenumbers

__all__ = [
    "HOME_REGION",
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
    "phone_readings",
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
#: The operation's home country: a national-format number is always also read as its.
HOME_REGION = "GB"
#: International call prefixes written instead of ``+`` (most of the world, and NANP).
_IDD_PREFIXES = ("00", "011")
#: A trailing extension (``ext. 12``, ``extn 12``, ``x12``, ``#12``): the only letters allowed.
_EXTENSION = re.compile(r"[,;]?\s*(?:extension|extn|ext|x|#)\.?\s*\d{1,7}\s*$", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")


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


def _phone_text(raw: str) -> str | None:
    """The number without its extension; ``None`` when letters remain (never guess digits:
    ``phonenumbers`` would read keypad letters, ``900abc`` as ``900222``)."""
    text = unicodedata.normalize("NFKC", raw).strip()
    body = _EXTENSION.sub("", text)
    return None if _LETTER.search(body) else body


def _parsed(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        num = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return num if phonenumbers.is_possible_number(num) else None


def _regions(regions: Sequence[str | None]) -> list[str]:
    out: list[str] = []
    for region in (*regions, HOME_REGION):
        code = (region or "").strip().upper()
        code = "GB" if code == "UK" else code
        if code in phonenumbers.SUPPORTED_REGIONS and code not in out:
            out.append(code)
    return out


def _candidates(text: str, regions: Sequence[str | None]) -> dict[str, phonenumbers.PhoneNumber]:
    """E.164 → parsed number: the text read in each region, and after an ``00``/``011``."""
    found: dict[str, phonenumbers.PhoneNumber] = {}
    readings = [_parsed(text, region) for region in _regions(regions)]
    digits = re.sub(r"\D", "", text)
    for prefix in _IDD_PREFIXES:
        if digits.startswith(prefix) and not digits.startswith(prefix + "0"):
            readings.append(_parsed("+" + digits[len(prefix) :], None))
    for num in readings:
        if num is not None:
            found.setdefault(phonenumbers.format_number(num, _E164), num)
    return found


_E164 = phonenumbers.PhoneNumberFormat.E164


def phone_readings(raw: str | None, regions: Sequence[str | None] = ()) -> tuple[str, ...]:
    """Every E.164 reading of a written number worth keeping, best first.

    A number written with ``+`` has one reading. A national-format number is read in each
    candidate region (``regions`` in order, then :data:`HOME_REGION`) and, when it starts
    with an international prefix (``00``, ``011``), as international: the readings valid
    under current numbering plans are kept (all of them when several are); when none is
    valid, every possible one (right length) is. Empty when the value is not a phone
    number: no possible reading, or letters other than an extension marker.
    """
    if raw is None or not raw.strip():
        return ()
    text = _phone_text(raw)
    if not text:
        return ()
    if text.startswith("+"):
        num = _parsed(text, None)
        return (phonenumbers.format_number(num, _E164),) if num is not None else ()
    found = _candidates(text, regions)
    if len(found) > 1:
        valid = tuple(e164 for e164, num in found.items() if phonenumbers.is_valid_number(num))
        if valid:
            return valid
    return tuple(found)


def normalise_phone(raw: str | None, region: str | None) -> str | None:
    """E.164 form (``+447700900123``) of the best reading (:func:`phone_readings` in
    ``region``, the declared country, then :data:`HOME_REGION`); ``None`` when not a number.

    A number is accepted when ``phonenumbers`` finds it possible (right length for its
    country); when several regions could hold it, a reading valid under current numbering
    plans is preferred. Letters (other than an extension marker) make it no number.
    """
    readings = phone_readings(raw, (region,))
    return readings[0] if readings else None


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
