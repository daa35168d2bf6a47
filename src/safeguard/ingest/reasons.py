"""Quarantine reason codes: stable storage keys, each documented in ``docs/formats.md``."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["REASON_TEXT", "Reason"]


class Reason(StrEnum):
    MISSING_VALUE = "missing_value"
    DUPLICATE_KEY = "duplicate_key"
    UNKNOWN_ACCOUNT = "unknown_account"
    BAD_TIMESTAMP = "bad_timestamp"
    TIMESTAMP_OUT_OF_RANGE = "timestamp_out_of_range"
    BAD_DATE = "bad_date"
    BAD_ENUM = "bad_enum"
    BAD_INTEGER = "bad_integer"
    BAD_HASH = "bad_hash"
    NO_HASH = "no_hash"
    BAD_EMAIL = "bad_email"
    BAD_PHONE = "bad_phone"
    BAD_IP = "bad_ip"
    BAD_POSTCODE = "bad_postcode"
    BAD_COUNTRY = "bad_country"
    BAD_IDENTIFIER = "bad_identifier"
    TOO_LONG = "too_long"
    NUL_BYTE = "nul_byte"
    BAD_ROW = "bad_row"
    BAD_ENCODING = "bad_encoding"
    NOT_SCALAR = "not_scalar"
    BAD_REPORT = "bad_report"
    UNKNOWN_REPORT = "unknown_report"


#: What each reason means, as shown to users and in the docs.
REASON_TEXT: dict[Reason, str] = {
    Reason.MISSING_VALUE: "a required column is empty",
    Reason.DUPLICATE_KEY: "the row's key (account_id, event_id, message_id) was already seen",
    Reason.UNKNOWN_ACCOUNT: "the account the row refers to is not in the delivery",
    Reason.BAD_TIMESTAMP: "not an ISO 8601 timestamp with Z or a UTC offset",
    Reason.TIMESTAMP_OUT_OF_RANGE: "a timestamp before 1970 or from 2100 on",
    Reason.BAD_DATE: "not an ISO 8601 date (YYYY-MM-DD) in range",
    Reason.BAD_ENUM: "a value outside the column's allowed set",
    Reason.BAD_INTEGER: "not an integer in the column's range",
    Reason.BAD_HASH: "a hash that is not hex of the algorithm's length",
    Reason.NO_HASH: "a file event with none of md5, sha1, sha256, sha512, pdq",
    Reason.BAD_EMAIL: "not an email address",
    Reason.BAD_PHONE: (
        "not a possible phone number (for the declared country or GB), or letters other "
        "than an extension marker"
    ),
    Reason.BAD_IP: "not a plain IPv4 or IPv6 address (an IPv6 zone id such as %eth0 included)",
    Reason.BAD_POSTCODE: "not a UK postcode or postcode district",
    Reason.BAD_COUNTRY: "not an ISO 3166 alpha-2 country code",
    Reason.BAD_IDENTIFIER: "an identifier value that normalises to nothing",
    Reason.TOO_LONG: "a value longer than its column allows",
    Reason.NUL_BYTE: "a value containing a NUL character",
    Reason.BAD_ROW: "a record the table reader could not split into the header's columns",
    Reason.BAD_ENCODING: "a record that is not valid UTF-8",
    Reason.NOT_SCALAR: "an object or array (JSON Lines) or a nested value (Parquet) in a column",
    Reason.BAD_REPORT: "a report file that is not well-formed XML or not a CyberTipline report",
    Reason.UNKNOWN_REPORT: "a fileDetails document whose report is not in the delivery or was"
    " refused",
}

assert set(REASON_TEXT) == set(Reason), "every reason needs a description"
