"""The REST API's versioned response and request models (apart from the stored records)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = [
    "AuditProblemOut",
    "AuditVerifyOut",
    "HashIn",
    "MatchHit",
    "MatchRequest",
    "MatchResponse",
    "MatchResult",
    "MeOut",
    "PackageOut",
    "QueueItemOut",
    "UserOut",
]

#: Largest batch one ``POST /api/v1/match`` call may carry.
MAX_MATCH_BATCH = 1000


class MeOut(BaseModel):
    username: str
    role: str
    force_id: str | None
    scopes: list[str] | None


class QueueItemOut(BaseModel):
    label: str
    tier: str
    score: float
    accounts: int
    country: str | None
    force_id: str | None
    force_name: str | None
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
    kind: Literal["md5", "sha1", "sha256", "pdq"] | None = Field(
        None, description="Omit to infer from the length (64 hex digits: sha256 and pdq)."
    )
    value: str = Field(..., min_length=32, max_length=64, pattern="^[0-9a-fA-F]+$")
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
