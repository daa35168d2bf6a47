"""The REST API's versioned response and request models (apart from the stored records)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, Field

from safeguard.track.outcomes import OutcomeKind

__all__ = [
    "ERROR_RESPONSES",
    "AcknowledgeIn",
    "AuditProblemOut",
    "AuditVerifyOut",
    "ErrorOut",
    "HashIn",
    "MatchHit",
    "MatchRequest",
    "MatchResponse",
    "MatchResult",
    "MeOut",
    "OutcomeIn",
    "OutcomeKind",
    "OutcomeOut",
    "PackageOut",
    "QueueItemOut",
    "RecipientIn",
    "RecordId",
    "SummaryOut",
    "UserOut",
]

#: A record id in a path: a positive 63-bit integer (larger ones are no record's, not a 500).
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]

#: Largest batch one ``POST /api/v1/match`` call may carry.
MAX_MATCH_BATCH = 1000


class ErrorOut(BaseModel):
    detail: str


#: What every API route may answer besides success (documented in the OpenAPI schema).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The request holds characters no record can."},
    401: {"model": ErrorOut, "description": "No valid session or token."},
    403: {"model": ErrorOut, "description": "The role or the token's scopes do not allow it."},
    404: {"model": ErrorOut, "description": "No such record, or not one the actor may see."},
    429: {"model": ErrorOut, "description": "The token's rate limit is reached."},
    503: {"model": ErrorOut, "description": "The audit log cannot be written: nothing served."},
}


class MeOut(BaseModel):
    username: str
    role: str
    force_id: str | None
    scopes: list[str] | None


class QueueItemOut(BaseModel):
    label: str
    tier: str = Field(description="The tier in force: the analyst's override, else computed.")
    computed_tier: str
    override_tier: str | None
    facts_changed: bool
    score: float
    accounts: int
    country: str | None
    force_id: str | None
    force_name: str | None
    rocu: str | None
    confidence: str | None
    reasons: list[str]
    deconfliction: list[dict[str, Any]]


class PackageOut(BaseModel):
    reference: str
    operation: str
    subject: str
    force_id: str
    force_name: str
    recipient: str
    tier: str
    status: str
    grading: str
    classification: str
    created_at: str
    sha256: str


class UserOut(BaseModel):
    username: str
    role: str
    force_id: str | None
    disabled: bool
    locked: bool
    second_factor: bool
    created_at: str


class AuditProblemOut(BaseModel):
    event_id: int | None
    kind: str
    detail: str


class AuditVerifyOut(BaseModel):
    intact: bool
    events: int
    head_id: int | None
    head_hash: str
    problems: list[AuditProblemOut]


class HashIn(BaseModel):
    kind: Literal["md5", "sha1", "sha256", "sha512", "pdq"] | None = Field(
        None, description="Omit to infer from the length (64 hex digits: sha256 and pdq)."
    )
    value: str = Field(
        ...,
        pattern="^([0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64}|[0-9a-fA-F]{128})$",
        description="Hex: 32 digits md5, 40 sha1, 64 sha256 or pdq, 128 sha512.",
    )
    quality: int | None = Field(None, ge=0, le=100, description="PDQ quality, if known.")


class MatchRequest(BaseModel):
    hashes: list[HashIn] = Field(..., min_length=1, max_length=MAX_MATCH_BATCH)


class MatchHit(BaseModel):
    set: str
    version: int
    category: str
    method: str
    distance: int


class MatchResult(BaseModel):
    input: str
    matched: bool
    hits: list[MatchHit]
    note: str = ""


class MatchResponse(BaseModel):
    results: list[MatchResult]
    hash_sets: list[str]


#: Free text of a record: anything but NUL (no store can keep it as text).
FreeText = Annotated[str, Field(max_length=2000, pattern=r"^[^\x00]*$")]


class RecipientIn(BaseModel):
    recipient: str = Field(
        ...,
        min_length=1,
        max_length=80,
        pattern=r"^[^\x00]*$",
        description="A force id (kent), a ROCU id (rocu:<name>) or 'agency'.",
    )


class AcknowledgeIn(BaseModel):
    step: Literal["received", "acknowledged"] = "acknowledged"


class OutcomeIn(BaseModel):
    """One outcome, with the fields its kind needs (as `safeguard outcomes record`)."""

    kind: OutcomeKind
    occurred_on: date = Field(
        ..., description="Not in the future, not before the package was sent."
    )
    count: int = Field(1, ge=1, le=1_000_000, description="People, properties, devices, children.")
    offences: FreeText = Field("", description="Required for charged.")
    sentence: FreeText = Field("", description="Required for convicted (after a charge).")
    serious_risk: int = Field(0, ge=0, le=1_000_000, description="children_safeguarded only.")
    detail: FreeText = ""


class OutcomeOut(BaseModel):
    id: int
    kind: str
    count: int
    occurred_on: str
    offences: str
    sentence: str
    serious_risk: int
    detail: str
    recorded_by: str
    recorded_at: str
    source: str


class Spread(BaseModel):
    n: int
    median: float | None
    p90: float | None


class SummaryOut(BaseModel):
    """The operation's figures, as ``safeguard summary --json`` gives them."""

    operation: str
    deliveries: int
    accounts: int
    quarantined_rows: int
    uk_accounts: int
    non_uk_accounts: int
    subjects: int
    tiers: dict[str, int]
    packages_by_force: dict[str, int]
    packages_by_recipient: dict[str, int]
    packages_by_tier: dict[str, int]
    packages_by_status: dict[str, int]
    disseminated: int
    acknowledged: int
    outcomes: dict[str, int]
    arrests: int
    charged: int
    convicted: int
    children_safeguarded: int
    children_at_serious_risk: int
    properties_searched: int
    devices_examined: int
    arrested_in_positions_of_trust: int
    arrested_registered_sex_offenders: int
    receipt_to_dissemination_hours: Spread
    receipt_to_arrest_days: Spread
