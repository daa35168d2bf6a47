"""How the same identifier gets written differently on different accounts.

Every variant normalises back to the person's canonical form with the simple rules the
linking stage applies: e-mail lower-cased and trimmed (Gmail: dots and ``+tag`` dropped),
phone reduced to E.164.
"""

from __future__ import annotations

from functools import cache

import phonenumbers

__all__ = [
    "EMAIL_STYLES",
    "MOBILE_FREE_DIGITS",
    "PHONE_STYLES",
    "canonical_email",
    "canonical_phone",
    "email_variant",
    "mobile_number",
    "phone_variant",
]

EMAIL_STYLES = 5
PHONE_STYLES = 5
#: A synthetic mobile number is the country's example mobile number with its last digits
#: replaced (``phonenumbers`` validates every such number for the synth's countries).
MOBILE_FREE_DIGITS = 6


@cache
def _mobile_prefix(country: str) -> str:
    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        raise ValueError(f"no example mobile number for {country!r}")
    national = str(example.national_number)
    return f"+{example.country_code}{national[:-MOBILE_FREE_DIGITS]}"


def mobile_number(country: str, k: int) -> str:
    """A valid E.164 mobile number of ``country`` (ISO alpha-2), distinct for each ``k`` in
    ``0 .. 10**MOBILE_FREE_DIGITS - 1``."""
    return f"{_mobile_prefix(country)}{k % 10**MOBILE_FREE_DIGITS:0{MOBILE_FREE_DIGITS}d}"


def email_variant(local: str, domain: str, gmail: bool, style: int) -> str:
    """``style`` 0 is the canonical address; 1-4 are the ways people and platforms vary it."""
    if gmail and style in (3, 4):
        tagged = f"{local}+{len(local) % 7}tag"
        return f"{local.replace('.', '') if style == 3 else tagged}@{domain}"
    forms = (
        f"{local}@{domain}",
        f"{local.capitalize()}@{domain.upper()}",
        f" {local}@{domain} ",
        f"{local.upper()}@{domain}",
        f"{local.title()}@{domain.title()} ",
    )
    return forms[style % len(forms)]


def canonical_email(raw: str) -> str:
    """The normal form used to compare addresses (what a linker should compute)."""
    local, _, domain = raw.strip().lower().partition("@")
    if domain in ("gmail.com", "googlemail.com"):
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def phone_variant(e164: str, style: int) -> str:
    """Write an E.164 number the way a user might; UK numbers also in national form."""
    digits = e164.lstrip("+")
    if digits.startswith("44"):
        national = "0" + digits[2:]
        forms = (
            e164,
            f"{national[:5]} {national[5:]}",
            f"+44 {digits[2:6]} {digits[6:]}",
            digits,
            national,
        )
    else:
        forms = (e164, f"00{digits}", f"+{digits[:-6]} {digits[-6:]}", digits, e164)
    return forms[style % len(forms)]


def canonical_phone(raw: str, default_cc: str = "44") -> str:
    """Reduce a written number to E.164 (national ``0…`` numbers assume ``default_cc``)."""
    digits = "".join(ch for ch in raw if ch.isdigit())
    if raw.strip().startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("0"):
        return f"+{default_cc}{digits[1:]}"
    return "+" + digits
