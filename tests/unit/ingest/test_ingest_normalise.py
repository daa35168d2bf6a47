"""The normalisers other stages join on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from safeguard.ingest.normalise import (
    normalise_email,
    normalise_identifier,
    normalise_ip,
    normalise_phone,
    normalise_postcode,
    normalise_username,
    parse_timestamp,
    phone_readings,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" J.Smith+Tag@GoogleMail.com ", ("j.smith+tag@googlemail.com", "jsmith@gmail.com")),
        ("a.b@gmail.com", ("a.b@gmail.com", "ab@gmail.com")),
        ("x+y@outlook.com", ("x+y@outlook.com", "x@outlook.com")),
        ("Someone@Example.org", ("someone@example.org", None)),
        ("no-at-sign", None),
        ("two@@example.com", None),
        ("", None),
    ],
)
def test_email(raw: str, expected: tuple[str, str | None] | None) -> None:
    assert normalise_email(raw) == expected


def test_gmail_variants_share_the_loose_form() -> None:
    forms = {normalise_email(e) for e in ("JohnSmith@gmail.com", "john.smith+x@googlemail.com")}
    assert {f[1] for f in forms if f} == {"johnsmith@gmail.com"}


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("07700 900123", None, "+447700900123"),
        ("+44 7700 900123", "FR", "+447700900123"),
        ("01 42 68 53 00", "FR", "+33142685300"),
        ("(202) 555-0143", "US", "+12025550143"),
        ("12", None, None),
        ("call me", None, None),
        ("020 7946 0018 ext. 12", None, "+442079460018"),
        ("+44 20 7946 0018 x12", None, "+442079460018"),
        ("020 7946 0018 #12", None, "+442079460018"),
        ("0033 1 42 68 53 00", None, "+33142685300"),
        ("011 33 1 42 68 53 00", None, "+33142685300"),
        ("011 44 20 7946 0018", "US", "+442079460018"),
        ("0113 496 0000", None, "+441134960000"),  # Leeds, not an 011 prefix
    ],
)
def test_phone(raw: str, region: str | None, expected: str | None) -> None:
    assert normalise_phone(raw, region) == expected


@pytest.mark.parametrize(
    "raw",
    ["+44 7700 900abc", "07700 9OO123", "0800 FLOWERS", "+1 800 GOT JUNK", "07700 ９OO123"],
)
def test_phone_with_letters_is_no_number(raw: str) -> None:
    """Keypad letters are never turned into digits (``abc`` is not ``222``)."""
    assert normalise_phone(raw, "GB") is None
    assert normalise_phone(raw, "NZ") is None
    assert phone_readings(raw, ("NZ", "US")) == ()


def test_national_number_is_read_where_it_is_valid() -> None:
    """NZ mobile ``021 123 4567``: valid in NZ only, so a UK-declared account whose IPs are
    in NZ reads it as NZ; a number valid nowhere keeps each possible reading."""
    assert normalise_phone("021 123 4567", "NZ") == "+64211234567"
    assert phone_readings("021 123 4567", ("GB", "NZ")) == ("+64211234567",)
    assert normalise_phone("07400 123456", "NZ") == "+447400123456"  # GB mobile, valid
    assert phone_readings("07700 900999", ("NZ",)) == ("+647700900999", "+447700900999")
    assert phone_readings("+44 7700 900999", ("NZ",)) == ("+447700900999",)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("192.0.2.1", "192.0.2.1"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("::192.0.2.1", "192.0.2.1"),
        ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("::1", "::1"),
        ("999.1.1.1", None),
        ("01.2.3.4", None),
        ("host.example", None),
        ("fe80::1%25';DROP TABLE account;--", None),  # a zone id is not part of an address
        ("fe80::1%eth0", None),
        ("[fe80::1%1]", None),
        ("192.0.2.1/32", None),
        ("192.0.2.1:443", None),
        ("192.0.2.1 198.51.100.7", None),
    ],
)
def test_ip(raw: str, expected: str | None) -> None:
    assert normalise_ip(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("bd206ab", ("BD20 6AB", "BD20")),
        (" sw1a  1aa ", ("SW1A 1AA", "SW1A")),
        ("M1 1AE", ("M1 1AE", "M1")),
        ("BD20", ("BD20", "BD20")),
        ("75001", None),
        ("BD20 6A", None),
    ],
)
def test_postcode(raw: str, expected: tuple[str, str] | None) -> None:
    assert normalise_postcode(raw) == expected


def test_username_is_case_folded() -> None:
    assert normalise_username("  StraßeUser ") == "strasseuser"
    assert normalise_username("   ") is None


def test_timestamps_become_utc_and_need_an_offset() -> None:
    assert parse_timestamp("2020-01-01T01:00:00+01:00") == datetime(2020, 1, 1, tzinfo=UTC)
    assert parse_timestamp("2020-01-01T00:00:00Z").tzinfo is not None
    with pytest.raises(ValueError, match="offset"):
        parse_timestamp("2020-01-01T00:00:00")
    with pytest.raises(ValueError, match="range"):
        parse_timestamp("1900-01-01T00:00:00Z")
    with pytest.raises(ValueError):
        parse_timestamp("yesterday")


def test_identifier_dispatch() -> None:
    assert normalise_identifier("email", "A@gmail.com", None) == ("a@gmail.com", "a@gmail.com")
    assert normalise_identifier("phone", "07700900123", "GB") == ("+447700900123", None)
    assert normalise_identifier("postcode", "bd20 6ab", None) == ("BD20 6AB", "BD20")
    assert normalise_identifier("device_id", "  dev-1 ", None) == ("dev-1", None)
    assert normalise_identifier("shoe_size", "9", None) is None
