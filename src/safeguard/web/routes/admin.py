"""Administration and audit: users and roles, the audit log and its verification."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from safeguard.access import list_users
from safeguard.authz import Actor
from safeguard.store.audit import check_chain
from safeguard.store.models import AuditEvent
from safeguard.web.deps import Need, state_of
from safeguard.web.render import page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)  # HTML pages: not part of the REST API


@router.get("/admin/users")
def users(request: Request, actor: Annotated[Actor, Depends(Need("users.manage"))]) -> Response:
    with state_of(request).store.session() as s:
        rows = list_users(s)
    return page(request, "users.html", {"users": rows})


@router.get("/audit")
def audit_log(
    request: Request,
    actor: Annotated[Actor, Depends(Need("audit.view"))],
    before: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    q = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(200)
    if before is not None:
        q = q.where(AuditEvent.id < before)
    with state_of(request).store.session() as s:
        events = list(s.scalars(q))
        check = check_chain(s)
    return page(request, "audit.html", {"events": events, "check": check})
