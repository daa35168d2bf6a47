"""Identifier variants normalise back to the person's canonical identifier."""

from __future__ import annotations

import pytest

from safeguard.synth.idents import (
    EMAIL_STYLES,
    PHONE_STYLES,
    canonical_email,
    canonical_phone,
    email_variant,
    phone_variant,
)


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
