"""The industry matching API: hashes (batch) or one uploaded file in, matches out.

A file is sent as the raw request body, read into memory up to :data:`MAX_UPLOAD_BYTES`,
hashed there and dropped: it is never written anywhere (no multipart spooling to disk).
A partner token can reach nothing but these routes.
"""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from sqlalchemy import func, select

from safeguard.authz import Actor
from safeguard.errors import FormatError
from safeguard.match import MatchEngine, load_engine
from safeguard.match.lookup import HashQuery, bytes_queries, hex_queries, lookup, lookup_many
from safeguard.store.db import Store
from safeguard.store.models import HashSetVersion
from safeguard.web.deps import Need, state_of
from safeguard.web.schemas import (
    ERROR_RESPONSES,
    ErrorOut,
    MatchHit,
    MatchRequest,
    MatchResponse,
    MatchResult,
)

__all__ = ["MAX_UPLOAD_BYTES", "EngineCache", "router"]

router = APIRouter(prefix="/api/v1", tags=["match"], responses=ERROR_RESPONSES)
#: Largest file the matching API hashes.
MAX_UPLOAD_BYTES = 32 * 1024 * 1024
_BINARY = {"type": "string", "format": "binary"}


class EngineCache:
    """The match engine over every hash set, rebuilt when a hash-set version is added."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[int, int] | None = None
        self._engine: MatchEngine | None = None

    def get(self, store: Store) -> MatchEngine:
        with store.session() as s:
            key = s.execute(select(func.count(), func.max(HashSetVersion.id))).one()
        k = (int(key[0]), int(key[1] or 0))
        with self._lock:
            if self._engine is None or self._key != k:
                self._engine, self._key = load_engine(store), k
            return self._engine


def _engine(request: Request) -> tuple[MatchEngine, int, int]:
    state = state_of(request)
    cache: EngineCache = request.app.state.engines
    cfg = request.app.state.settings
    return cache.get(state.store), cfg.pdq_max_distance, cfg.pdq_min_quality


def _result(label: str, found: list[dict[str, Any]], note: str = "") -> MatchResult:
    hits = [
        MatchHit(
            set=f["set"],
            version=f["version"],
            category=f["category"],
            method=f["method"],
            distance=f["distance"],
        )
        for f in found
    ]
    return MatchResult(input=label, matched=bool(hits), hits=hits, note=note)


def _answer(engine: MatchEngine, results: list[MatchResult]) -> MatchResponse:
    sets = [f"{s.name}@{s.version}" for s in engine.sets]
    return MatchResponse(results=results, hash_sets=sets)


@router.post("/match")
def match_hashes(
    request: Request, body: MatchRequest, actor: Annotated[Actor, Depends(Need("match.query"))]
) -> MatchResponse:
    engine, distance, quality = _engine(request)
    items: list[tuple[str, list[HashQuery]]] = []
    notes: list[str] = []
    for h in body.hashes:
        try:
            queries = [HashQuery(q.kind, q.hex, h.quality) for q in hex_queries(h.value, h.kind)]
            notes.append("")
        except FormatError as exc:  # e.g. kind md5 with 64 digits: answered, not matched
            queries = []
            notes.append(str(exc))
        items.append((h.value, queries))
    found = lookup_many(engine, items, distance, quality)  # the whole batch at once
    results = [
        _result(label, f, note) for (label, _), f, note in zip(items, found, notes, strict=True)
    ]
    return _answer(engine, results)


async def _body(request: Request) -> bytes:
    """The request body, in memory, refused once it passes :data:`MAX_UPLOAD_BYTES`."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_UPLOAD_BYTES:
            raise HTTPException(413, f"files over {MAX_UPLOAD_BYTES // 2**20} MiB are not accepted")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "/match/file",
    responses={413: {"model": ErrorOut, "description": "The file is too large."}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
)
async def match_file(
    request: Request,
    actor: Annotated[Actor, Depends(Need("match.query"))],
    name: Annotated[str, Query(max_length=200)] = "upload",
) -> MatchResponse:
    """Match one file sent as the raw request body (hashed in memory, never stored)."""
    data = await _body(request)
    engine, distance, quality = _engine(request)
    queries, note = bytes_queries(data)
    del data
    return _answer(engine, [_result(name, lookup(engine, name, queries, distance, quality), note)])
