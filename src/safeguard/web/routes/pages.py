"""The analyst's and supervisor's pages: operations and the operation dashboard."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from safeguard import authz, track
from safeguard.authz import Actor, Role
from safeguard.refdata import uk
from safeguard.web.deps import Need, state_of
from safeguard.web.job_kinds import inbox_entries
from safeguard.web.queries import operation_names, triage_queue
from safeguard.web.render import page
from safeguard.web.routes.errors import not_found

__all__ = ["router"]

router = APIRouter(include_in_schema=False)  # HTML pages: not part of the REST API

#: Where each role starts after logging in.
_HOME = {Role.FORCE_OFFICER: "/portal", Role.PARTNER: "/account", Role.AUDITOR: "/audit"}


@router.get("/")
def index(request: Request, actor: Annotated[Actor, Depends(Need("account.view"))]) -> Response:
    home = _HOME.get(actor.role)
    if home:
        return RedirectResponse(home, status_code=303)
    if not authz.may(actor, "operations.view"):
        return RedirectResponse("/account", status_code=303)
    names = operation_names(state_of(request).store)
    if len(names) == 1:
        return RedirectResponse(f"/operations/{names[0]}", status_code=303)
    return _operations_page(request, actor, names)


@router.get("/operations")
def operations(
    request: Request, actor: Annotated[Actor, Depends(Need("operations.view"))]
) -> Response:
    """Every operation, and the form to ingest a delivery into a new one."""
    return _operations_page(request, actor, operation_names(state_of(request).store))


def _operations_page(request: Request, actor: Actor, names: list[str]) -> Response:
    may_ingest = authz.may(actor, "jobs.run")
    inbox = inbox_entries(request.app.state.settings) if may_ingest else []
    return page(request, "index.html", {"operations": names, "inbox": inbox})


@router.get("/operations/{name}")
def overview(
    request: Request, name: str, actor: Annotated[Actor, Depends(Need("operations.view"))]
) -> Response:
    store = state_of(request).store
    with not_found():
        summary = track.summarise(store, name)
    queue = triage_queue(store, name, actor) if authz.may(actor, "queue.view") else []
    context: dict[str, Any] = {
        "s": summary,
        "queue": queue,
        "chart": summary.to_json(),
        "forces": uk.forces(),
    }
    return page(request, "overview.html", context)


@router.get("/account")
def account(request: Request, actor: Annotated[Actor, Depends(Need("account.view"))]) -> Response:
    return page(request, "account.html", {"forces": uk.forces()})
