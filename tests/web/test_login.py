"""Logging in: argon2id passwords, a TOTP code for every role but partner, lockout,
throttling, CSRF on every form, session cookies that scripts cannot read."""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from safeguard.access import LOCKOUT_AFTER, disable_user, reset_user
from safeguard.authz import Role
from safeguard.store.db import Store
from safeguard.store.models import AuditEvent, User, WebSession
from tests.support.web import WebWorld, build_world, csrf_of, fresh_code, log_in


@pytest.fixture
def world(store: Store, tmp_path: Path) -> WebWorld:
    return build_world(store, tmp_path)


def _attempt(client: TestClient, username: str, password: str, code: str) -> int:
    page = client.get("/login")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    r = client.post(
        "/login",
        data={"username": username, "password": password, "code": code, "csrf": csrf},
        follow_redirects=False,
    )
    status: int = r.status_code
    return status


def _anon(world: WebWorld) -> TestClient:
    return TestClient(world.app, base_url="https://testserver")


def test_password_and_current_code_log_in(world: WebWorld) -> None:
    user = world.users[Role.ANALYST]
    assert user.totp_secret
    client = _anon(world)
    assert _attempt(client, user.username, user.password, "000000") == 401
    assert _attempt(client, user.username, user.password, "") == 401
    assert (
        _attempt(client, user.username, "wrong password!", pyotp.TOTP(user.totp_secret).now())
        == 401
    )
    assert "sg_session" not in client.cookies
    assert _attempt(client, user.username, user.password, fresh_code(world.app, user)) == 303
    assert client.get("/api/v1/me").json()["role"] == "analyst"


def test_partner_needs_no_second_factor_but_others_do(world: WebWorld) -> None:
    partner = world.users[Role.PARTNER]
    assert partner.totp_secret is None
    assert _attempt(_anon(world), partner.username, partner.password, "") == 303
    for role in set(Role) - {Role.PARTNER}:
        assert world.users[role].totp_secret, role


def test_session_cookie_flags_and_only_a_hash_is_stored(store: Store, tmp_path: Path) -> None:
    world = build_world(store, tmp_path, tls=True)
    user = world.users[Role.SUPERVISOR]
    client = _anon(world)
    page = client.get("/login")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    r = client.post(
        "/login",
        data={
            "username": user.username,
            "password": user.password,
            "csrf": csrf,
            "code": fresh_code(world.app, user),
        },
        follow_redirects=False,
    )
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("sg_session="))
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "secure", "samesite=strict"} <= flags
    value = cookie.split(";")[0].split("=", 1)[1]
    with store.session() as s:
        hashes = list(s.scalars(select(WebSession.token_hash)))
        stored = [u.password_hash for u in s.scalars(select(User))]
    assert value not in hashes and len(hashes) == 1
    assert all(h.startswith("$argon2id$") for h in stored)
    assert r.headers["strict-transport-security"].startswith("max-age=")


def test_lockout_after_repeated_failures_until_reset(world: WebWorld) -> None:
    user = world.users[Role.ANALYST]
    client = _anon(world)
    for _ in range(LOCKOUT_AFTER):
        assert _attempt(client, user.username, "not the password", "123456") == 401
    code = fresh_code(world.app, user)
    assert _attempt(client, user.username, user.password, code) == 401  # locked
    with world.store.session() as s:
        fresh = reset_user(s, user.username, by="admin")
    assert _attempt(client, user.username, fresh.password, fresh_code(world.app, fresh)) == 303


def test_login_attempts_are_throttled_per_client(world: WebWorld) -> None:
    world.app.state.web.login_per_minute = 3
    client = _anon(world)
    statuses = [_attempt(client, "nobody", "nothing at all", "1") for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_with_several_workers_each_allows_its_share_of_the_login_limit(world: WebWorld) -> None:
    """``serve --workers 3``: each process counts attempts in its own memory, so each allows
    a third of the limit (rounded up) and three together never allow more than the limit
    plus one a process."""
    world.app.state.web.login_per_minute = 7
    world.app.state.web.workers = 3
    client = _anon(world)
    statuses = [_attempt(client, "nobody", "nothing at all", "1") for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_forms_need_the_csrf_token(world: WebWorld) -> None:
    client = world.client(Role.ANALYST)
    assert client.post("/logout", follow_redirects=False).status_code == 403
    assert client.get("/api/v1/me").status_code == 200  # still logged in
    ok = client.post("/logout", headers={"x-csrf-token": csrf_of(client)}, follow_redirects=False)
    assert ok.status_code == 303
    assert client.get("/api/v1/me").status_code == 401
    anon = _anon(world)
    no_cookie = anon.post("/login", data={"username": "a", "password": "b", "csrf": "forged"})
    assert no_cookie.status_code == 403


def test_disabled_user_loses_their_session(world: WebWorld) -> None:
    client = world.client(Role.SUPERVISOR)
    assert client.get("/api/v1/me").status_code == 200
    with world.store.session() as s:
        disable_user(s, world.users[Role.SUPERVISOR].username, by="admin")
    assert client.get("/api/v1/me").status_code == 401


def test_logins_and_views_are_audited_with_who_and_where(world: WebWorld) -> None:
    user = world.users[Role.ANALYST]
    client = _anon(world)
    _attempt(client, user.username, "nope nope nope", "1")
    log_in(world.app, user).get("/api/v1/operations/webop/queue")
    with world.store.session() as s:
        events = [(e.actor, e.action, e.target, e.detail) for e in s.scalars(select(AuditEvent))]
    assert (user.username, "login.failed", user.username) in [e[:3] for e in events]
    views = [e for e in events if e[1] == "web.queue.view"]
    assert views and views[-1][0] == user.username
    assert views[-1][2] == "/api/v1/operations/webop/queue"
    assert views[-1][3]["client"] == "testclient"


def test_pages_redirect_to_login_and_api_says_401(world: WebWorld) -> None:
    anon = _anon(world)
    r = anon.get("/operations/webop", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert anon.get("/api/v1/operations").status_code == 401
    headers = anon.get("/login").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "'unsafe-inline'" not in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["referrer-policy"] == "no-referrer"


def test_nul_characters_are_refused_before_the_store(world: WebWorld) -> None:
    client = world.client(Role.ANALYST)
    assert client.get("/api/v1/packages/REF%00X").status_code == 400
    assert client.get("/api/v1/packages?operation=a%00b").status_code == 400
    assert client.get("/api/v1/packages/nope").status_code == 404


def test_a_code_is_accepted_once(world: WebWorld) -> None:
    user = world.users[Role.AUDITOR]
    code = fresh_code(world.app, user)
    assert _attempt(_anon(world), user.username, user.password, code) == 303
    assert _attempt(_anon(world), user.username, user.password, code) == 401  # replayed
