"""An administrator manages users on the web: secrets shown once, refusals explained."""

from __future__ import annotations

import re
from pathlib import Path

import pyotp
import pytest

from safeguard.authz import Role
from safeguard.store.db import Store
from tests.support.web import WebWorld, build_world, csrf_of


@pytest.fixture
def world(store: Store, tmp_path: Path) -> WebWorld:
    return build_world(store, tmp_path)


def test_admin_adds_a_force_officer_who_can_then_log_in(world: WebWorld) -> None:
    admin = world.client(Role.ADMIN)
    csrf = csrf_of(admin)
    page = admin.post(
        "/admin/users",
        data={"username": "dc.jones", "role": "force_officer", "force": "kent", "csrf": csrf},
    )
    assert page.status_code == 200
    password = re.search(r'id="created-password">([^<]+)<', page.text)
    secret = re.search(r'id="created-totp">([^<]+)<', page.text)
    assert password and secret
    again = admin.get("/admin/users").text
    assert password.group(1) not in again and secret.group(1) not in again  # shown once
    from fastapi.testclient import TestClient

    officer = TestClient(world.app, base_url="https://testserver")
    form = officer.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    assert token
    r = officer.post(
        "/login",
        data={
            "username": "dc.jones",
            "password": password.group(1),
            "csrf": token.group(1),
            "code": pyotp.TOTP(secret.group(1)).now(),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert officer.get("/api/v1/me").json()["force_id"] == "kent"


def test_refusals_are_explained_and_disable_ends_access(world: WebWorld) -> None:
    admin = world.client(Role.ADMIN)
    csrf = csrf_of(admin)
    r = admin.post("/admin/users", data={"username": "pc", "role": "force_officer", "csrf": csrf})
    assert r.status_code == 409 and "bound to one force" in r.text
    victim = world.client(Role.SUPERVISOR)
    assert victim.get("/api/v1/me").status_code == 200
    admin.post(
        "/admin/users/disable",
        data={"username": world.users[Role.SUPERVISOR].username, "csrf": csrf},
    )
    assert victim.get("/api/v1/me").status_code == 401
