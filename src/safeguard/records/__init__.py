"""Typed domain vocabulary shared by every stage.

The string values are stable storage keys: once written to a store they never change.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "RECIPIENT_KINDS",
    "Category",
    "Confidence",
    "Direction",
    "IdentifierKind",
    "LoginKind",
    "MatchMethod",
    "MediaType",
    "Stage",
    "Tier",
]


class Direction(StrEnum):
    UPLOAD = "upload"
    DOWNLOAD = "download"
    SHARE = "share"


class LoginKind(StrEnum):
    LOGIN = "login"
    REGISTRATION = "registration"
    UPLOAD = "upload"
    OTHER = "other"


class MediaType(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    OTHER = "other"


class IdentifierKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    DEVICE_ID = "device_id"
    PAYMENT_REF = "payment_ref"
    IP = "ip"
    POSTCODE = "postcode"
    NAME = "name"
    USERNAME = "username"


class Category(StrEnum):
    """UK severity categories of indecent images of children, plus the non-abuse labels."""

    A = "A"
    B = "B"
    C = "C"
    NON_PERTINENT = "non-pertinent"
    UNCATEGORISED = "uncategorised"

    @property
    def is_abuse(self) -> bool:
        return self in (Category.A, Category.B, Category.C)


class MatchMethod(StrEnum):
    MD5 = "md5"
    SHA1 = "sha1"
    SHA256 = "sha256"
    SHA512 = "sha512"
    PDQ = "pdq"


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NONE = "none"


class Tier(StrEnum):
    """Priority tiers of the triage queue; tier 1 is looked at first."""

    T1 = "1"
    T2 = "2"
    T3 = "3"
    T4 = "4"


class Stage(StrEnum):
    INGEST = "ingest"
    MATCH = "match"
    ATTRIBUTE = "attribute"
    RESOLVE = "resolve"
    ASSESS = "assess"
    PACKAGE = "package"
    TRACK = "track"


#: How each kind of package recipient is named in summaries and reports.
RECIPIENT_KINDS: dict[str, str] = {
    "force": "a force",
    "rocu": "a ROCU",
    "agency": "the agency's own teams",
}
