"""Log in (password, then the TOTP code) and log out."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from safeguard.access import authenticate, end_session, open_session
from safeguard.authz import Actor
from safeguard.web.deps import COOKIE, PUBLIC, Need, client_of, state_of
from safeguard.web.render import page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)  # HTML pages: not part of the REST API
_LOGIN_CSRF = "sg_login_csrf"


def _login_form(request: Request, error: str = "", status: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    response = page(request, "login.html", {"error": error, "csrf": token}, status=status)
    response.set_cookie(
        _LOGIN_CSRF,
        token,
        httponly=True,
        samesite="strict",
        secure=state_of(request).secure_cookies,
        path="/login",
    )
    return response


@router.get("/login", dependencies=[Depends(Need(PUBLIC))])
def login_page(request: Request) -> Response:
    return _login_form(request)


@router.post("/login", dependencies=[Depends(Need(PUBLIC))])
def login(
    request: Request,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=200)],
    csrf: Annotated[str, Form(max_length=100)],
    code: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    state = state_of(request)
    expected = request.cookies.get(_LOGIN_CSRF, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf.encode()):
        return _login_form(request, "The form expired: try again.", 403)
    if not state.login_limits.allow(client_of(request), state.share(state.login_per_minute)):
        return _login_form(request, "Too many attempts: wait a minute.", 429)
    with state.store.session() as s:
        actor = authenticate(s, username, password, code, client=client_of(request))
        opened = open_session(s, actor) if actor else None
    if opened is None:
        return _login_form(request, "Wrong username, password or code.", 401)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        COOKIE,
        opened.cookie,
        httponly=True,
        samesite="strict",
        secure=state.secure_cookies,
        expires=opened.expires_at,
    )
    response.delete_cookie(_LOGIN_CSRF, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, actor: Annotated[Actor, Depends(Need("account.view"))]) -> Response:
    state = state_of(request)
    with state.store.session() as s:
        end_session(s, request.cookies.get(COOKIE, ""), actor)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response
