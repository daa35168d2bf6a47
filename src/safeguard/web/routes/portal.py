"""The force portal: a force officer's own force's packages, and downloading one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, Response

from safeguard.authz import Actor
from safeguard.refdata import uk
from safeguard.store import audit
from safeguard.web.deps import Need, state_of
from safeguard.web.queries import MAX_PAGE, find_package, package_list
from safeguard.web.render import page
from safeguard.web.routes.errors import not_found

__all__ = ["router"]

router = APIRouter(include_in_schema=False)  # HTML pages: not part of the REST API


@router.get("/portal")
def portal(
    request: Request,
    actor: Annotated[Actor, Depends(Need("packages.view"))],
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> Response:
    items = package_list(state_of(request).store, actor, limit=limit, offset=offset)
    force = uk.forces().get(actor.force_id or "")
    return page(request, "portal.html", {"packages": items, "force": force, "offset": offset})


@router.get("/packages/{reference}/download")
def download(
    request: Request,
    reference: str,
    actor: Annotated[Actor, Depends(Need("packages.download"))],
) -> Response:
    store = state_of(request).store
    with not_found():
        item = find_package(store, actor, reference)
    path = Path(item.path)
    if not item.path or not path.is_file():
        raise HTTPException(404, f"package {reference} has no file to download yet")
    with store.session() as s:
        audit.append(s, actor.username, "package.download", reference, {"client": actor.client})
    return FileResponse(path, filename=path.name, media_type="application/octet-stream")
