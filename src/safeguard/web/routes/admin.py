"""Administration and audit: users and roles, the audit log and its verification."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from safeguard.access import add_user, disable_user, list_users, reset_user
from safeguard.access.users import NewUser
from safeguard.authz import Actor, Role
from safeguard.errors import ActionRefused
from safeguard.store.audit import check_chain
from safeguard.store.models import AuditEvent
from safeguard.web.deps import Need, state_of
from safeguard.web.render import page
from safeguard.web.routes.errors import not_found

__all__ = ["router"]

router = APIRouter(include_in_schema=False)  # HTML pages: not part of the REST API


@router.get("/admin/users")
def users(request: Request, actor: Annotated[Actor, Depends(Need("users.manage"))]) -> Response:
    return _users_page(request)


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


class NewUserForm(BaseModel):
    username: str = Field(..., min_length=2, max_length=100, pattern=r"^[A-Za-z0-9._@-]+$")
    role: str = Field(..., max_length=20)
    force: str = Field("", max_length=60)


class UserNameForm(BaseModel):
    username: str = Field(..., max_length=100)


def _users_page(request: Request, created: NewUser | None = None, error: str = "") -> Response:
    with state_of(request).store.session() as s:
        rows = list_users(s)
    status = 409 if error else 200
    context = {"users": rows, "created": created, "error": error, "roles": [r.value for r in Role]}
    return page(request, "users.html", context, status=status)


@router.post("/admin/users")
def add_user_form(
    request: Request,
    actor: Annotated[Actor, Depends(Need("users.manage"))],
    form: Annotated[NewUserForm, Form()],
) -> Response:
    """Add a user; the page shows the password and TOTP secret once."""
    try:
        with state_of(request).store.session() as s:
            new = add_user(
                s, form.username, form.role, force_id=form.force or None, by=actor.username
            )
    except ActionRefused as exc:
        return _users_page(request, error=str(exc))
    return _users_page(request, created=new)


@router.post("/admin/users/reset")
def reset_user_form(
    request: Request,
    actor: Annotated[Actor, Depends(Need("users.manage"))],
    form: Annotated[UserNameForm, Form()],
) -> Response:
    """New password and TOTP secret, shown once; unlocks and re-enables the user."""
    with not_found(), state_of(request).store.session() as s:
        new = reset_user(s, form.username, by=actor.username)
    return _users_page(request, created=new)


@router.post("/admin/users/disable")
def disable_user_form(
    request: Request,
    actor: Annotated[Actor, Depends(Need("users.manage"))],
    form: Annotated[UserNameForm, Form()],
) -> Response:
    with not_found(), state_of(request).store.session() as s:
        disable_user(s, form.username, by=actor.username)
    return RedirectResponse("/admin/users", status_code=303)
