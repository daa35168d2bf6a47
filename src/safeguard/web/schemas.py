"""The REST API's versioned response and request models (apart from the stored records)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, Field

__all__ = [
    "ERROR_RESPONSES",
    "AuditProblemOut",
    "AuditVerifyOut",
    "ErrorOut",
    "HashIn",
    "MatchHit",
    "MatchRequest",
    "MatchResponse",
    "MatchResult",
    "MeOut",
    "PackageOut",
    "QueueItemOut",
    "RecordId",
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
