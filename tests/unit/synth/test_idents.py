"""Identifier variants normalise back to the person's canonical identifier."""

from __future__ import annotations

import phonenumbers
import pytest

from safeguard.ingest.normalise import normalise_phone
from safeguard.synth.idents import (
    EMAIL_STYLES,
    MOBILE_FREE_DIGITS,
    PHONE_STYLES,
    canonical_email,
    canonical_phone,
    email_variant,
    mobile_number,
    phone_variant,
)
from safeguard.synth.persons import PERSON_PHONES
from safeguard.synth.world import COUNTRIES


@pytest.mark.parametrize("gmail", [True, False])
def test_email_variants_normalise_to_one_address(gmail: bool) -> None:
    domain = "gmail.com" if gmail else "mail.example"
    variants = {email_variant("sam.calvren42", domain, gmail, s) for s in range(EMAIL_STYLES)}
    assert len(variants) == EMAIL_STYLES
    assert len({canonical_email(v) for v in variants}) == 1


@pytest.mark.parametrize("e164", ["+447700900123", "+441134960000", "+33912345678"])
def test_phone_variants_normalise_to_e164(e164: str) -> None:
    variants = {phone_variant(e164, s) for s in range(PHONE_STYLES)}
    assert len(variants) >= 3
    assert {canonical_phone(v) for v in variants} == {e164}


@pytest.mark.parametrize("country", [c.iso for c in COUNTRIES if c.iso != "GB"])
def test_mobile_numbers_are_valid_and_distinct_in_their_country(country: str) -> None:
    """Ingest rejects impossible numbers, so two accounts sharing one would not be linked."""
    ks = [0, 1, 7919, PERSON_PHONES - 1, PERSON_PHONES, 10**MOBILE_FREE_DIGITS - 1]
    numbers = [mobile_number(country, k) for k in ks]
    assert len(set(numbers)) == len(ks)
    for number in numbers:
        parsed = phonenumbers.parse(number, None)
        assert phonenumbers.is_valid_number(parsed), number
        assert phonenumbers.region_code_for_number(parsed) == country
        assert normalise_phone(number, country) == number
        assert normalise_phone(phone_variant(number, 1), None) == number
