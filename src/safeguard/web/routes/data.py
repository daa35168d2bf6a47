"""What came in: deliveries with their ingest report and quarantined rows; hash sets."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response

from safeguard.authz import Actor
from safeguard.hashsets import list_hash_sets
from safeguard.ingest.query import delivery_doc, list_deliveries, quarantine_rows
from safeguard.web.deps import Need, state_of
from safeguard.web.render import page
from safeguard.web.routes.errors import not_found
from safeguard.web.schemas import ERROR_RESPONSES, RecordId

__all__ = ["api", "router"]

router = APIRouter(include_in_schema=False)  # HTML pages: not part of the REST API
api = APIRouter(prefix="/api/v1", tags=["deliveries", "hashsets"], responses=ERROR_RESPONSES)
ROWS = 200
Offset = Annotated[int, Query(ge=0, le=100_000_000)]


def _delivery(request: Request, delivery_id: int, offset: int) -> dict[str, Any]:
    store = state_of(request).store
    with not_found():
        doc = delivery_doc(store, delivery_id)
        doc["quarantined_rows"] = quarantine_rows(store, delivery_id, None, ROWS, offset)
    return doc


@router.get("/deliveries")
def deliveries_page(
    request: Request, actor: Annotated[Actor, Depends(Need("deliveries.view"))]
) -> Response:
    docs = list_deliveries(state_of(request).store, None)
    return page(request, "deliveries.html", {"deliveries": docs})


@router.get("/deliveries/{delivery_id}")
def delivery_page(
    request: Request,
    delivery_id: RecordId,
    actor: Annotated[Actor, Depends(Need("deliveries.view"))],
    offset: Offset = 0,
) -> Response:
    doc = _delivery(request, delivery_id, offset)
    return page(request, "delivery.html", {"d": doc, "offset": offset, "rows": ROWS})


@router.get("/hashsets")
def hashsets_page(
    request: Request, actor: Annotated[Actor, Depends(Need("hashsets.view"))]
) -> Response:
    sets = list_hash_sets(state_of(request).store)
    return page(request, "hashsets.html", {"sets": sets})


@api.get("/deliveries")
def deliveries_api(
    request: Request,
    actor: Annotated[Actor, Depends(Need("deliveries.view"))],
    operation: Annotated[str | None, Query(max_length=200)] = None,
) -> list[dict[str, Any]]:
    """Deliveries with accepted and quarantined row counts (as `safeguard deliveries list`)."""
    with not_found():
        docs: list[dict[str, Any]] = jsonable_encoder(
            list_deliveries(state_of(request).store, operation)
        )
    return docs


@api.get("/deliveries/{delivery_id}")
def delivery_api(
    request: Request,
    delivery_id: RecordId,
    actor: Annotated[Actor, Depends(Need("deliveries.view"))],
    offset: Offset = 0,
) -> dict[str, Any]:
    """One delivery's report and a page of its quarantined rows (file, line, column, reason)."""
    doc: dict[str, Any] = jsonable_encoder(_delivery(request, delivery_id, offset))
    return doc


@api.get("/hashsets")
def hashsets_api(
    request: Request, actor: Annotated[Actor, Depends(Need("hashsets.view"))]
) -> list[dict[str, Any]]:
    """Hash sets with their version, active entries by category and by hash kind."""
    sets: list[dict[str, Any]] = jsonable_encoder(
        [asdict(s) for s in list_hash_sets(state_of(request).store)]
    )
    return sets
