"""The authorisation matrix, generated from the app's route table and the roles: every route
x every role (and no login) x own/other force -> the expected allow or deny.

A route without a ``Need`` fails here, and so does a route whose request this test does not
know how to make (add it to REQUESTS), so no new route escapes the matrix.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from PIL import Image

from safeguard import authz
from safeguard.authz import Role
from safeguard.store.db import Store
from safeguard.web.deps import PUBLIC, Need
from tests.support.web import OTHER_FORCE, OWN_FORCE, WebWorld, build_world, csrf_of, log_in


def _png() -> bytes:
    rng = np.random.default_rng(3)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (96, 96, 3), dtype=np.uint8)).save(buf, "PNG")
    return buf.getvalue()


#: How to make each non-GET request when it is allowed (route path -> request kwargs).
REQUESTS: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/login"): {"data": {"username": "x", "password": "y", "csrf": "z"}},
    ("POST", "/logout"): {},
    ("POST", "/api/v1/match"): {"json": {"hashes": [{"value": "ab" * 16}]}},
    ("POST", "/api/v1/operations/{name}/jobs"): {"json": {"stage": "track"}},
    ("POST", "/admin/users"): {"data": {"username": "matrix-added", "role": "auditor"}},
    ("POST", "/admin/users/reset"): {"data": {"username": "spare-user"}},
    ("POST", "/admin/users/disable"): {"data": {"username": "spare-user"}},
    ("POST", "/operations/{name}/jobs"): {"data": {"stage": "track"}},
    ("POST", "/jobs"): {"data": {"stage": "track", "operation": "webop"}},
    ("POST", "/api/v1/match/file"): {"content": _png()},
    ("POST", "/api/v1/operations/{name}/subjects/merge"): {
        "json": {"labels": ["S-000001", "S-000001"], "justification": "matrix"}
    },
    ("POST", "/api/v1/operations/{name}/subjects/split"): {
        "json": {"accounts": ["u1"], "justification": "matrix"}
    },
    ("POST", "/operations/{name}/subjects/{label}/merge"): {
        "data": {"other": "{label}", "justification": "matrix"}
    },
    ("POST", "/operations/{name}/subjects/{label}/split"): {
        "data": {"accounts": "{account}", "justification": "matrix"}
    },
    # the package workflow: each step reaches the lifecycle and is refused on its merits (409),
    # so the world is unchanged: the supervisor drafted both packages, which are drafts
    ("POST", "/packages/{reference}/approve"): {},
    ("POST", "/packages/{reference}/send"): {},
    ("POST", "/packages/{reference}/recipient"): {"data": {"recipient": "nowhere"}},
    ("POST", "/packages/{reference}/acknowledge"): {"data": {"step": "acknowledged"}},
    ("POST", "/packages/{reference}/outcomes"): {
        "data": {"kind": "arrest", "occurred_on": "2020-01-02"}
    },
    ("POST", "/api/v1/packages/{reference}/approve"): {},
    ("POST", "/api/v1/packages/{reference}/send"): {},
    ("POST", "/api/v1/packages/{reference}/recipient"): {"json": {"recipient": "nowhere"}},
    ("POST", "/api/v1/packages/{reference}/acknowledge"): {"json": {"step": "acknowledged"}},
    ("POST", "/api/v1/packages/{reference}/outcomes"): {
        "json": {"kind": "arrest", "occurred_on": "2020-01-02"}
    },
    # overrides: a tier the ruleset does not have, and clearing where there is no override
    ("POST", "/operations/{name}/subjects/{label}/override"): {
        "data": {"tier": "9", "justification": "matrix"}
    },
    ("POST", "/operations/{name}/subjects/{label}/override/clear"): {
        "data": {"justification": "matrix"}
    },
    ("POST", "/api/v1/operations/{name}/subjects/{label}/override"): {
        "json": {"tier": "9", "justification": "matrix"}
    },
    ("POST", "/api/v1/operations/{name}/subjects/{label}/override/clear"): {
        "json": {"justification": "matrix"}
    },
}
#: Statuses that mean "allowed" for routes whose success looks like a denial elsewhere: the
#: login form refuses the test's made-up CSRF token with 403, logging out sends the browser
#: to the login form, and the analysts' actions below are refused on their merits (409).
ALLOWED_OTHERWISE: dict[tuple[str, str], set[int]] = {
    ("POST", "/login"): {403},
    ("POST", "/logout"): {303},
    # merging a subject with itself, splitting off all of a subject: reached, refused (409)
    ("POST", "/api/v1/operations/{name}/subjects/merge"): {409},
    ("POST", "/api/v1/operations/{name}/subjects/split"): {409},
    ("POST", "/operations/{name}/subjects/{label}/merge"): {409},
    ("POST", "/operations/{name}/subjects/{label}/split"): {409},
    **{key: {409} for key in REQUESTS if "/packages/{reference}/" in key[1]},
    **{key: {409} for key in REQUESTS if key[1].endswith(("/override", "/override/clear"))},
}


def need_of(route: APIRoute) -> Need:
    def walk(dep: Any) -> Iterator[Any]:
        yield dep.call
        for sub in dep.dependencies:
            yield from walk(sub)

    needs = [c for c in walk(route.dependant) if isinstance(c, Need)]
    assert len(needs) == 1, f"{route.path} declares {len(needs)} Need(s): exactly one expected"
    return needs[0]


def api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every APIRoute, also inside included routers (FastAPI >= 0.160 keeps them nested)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from api_routes(route.original_router.routes)
        else:  # only the OpenAPI document and the static assets are not ours
            assert route.path in ("/api/v1/openapi.json", "/static"), route.path


def _cases(world: WebWorld) -> list[tuple[str, str, str, str | None]]:
    """(method, path template, action, force of the resource in the path or None)."""
    cases = []
    for route in api_routes(world.app.routes):
        action = need_of(route).action
        for method in sorted(route.methods or ()):
            scoped = "{reference}" in route.path or "{label}" in route.path
            forces = [OWN_FORCE, OTHER_FORCE] if scoped else [None]
            cases += [(method, route.path, action, f) for f in forces]
    return cases


def _path(world: WebWorld, template: str, force: str | None) -> str:
    force = force or OWN_FORCE
    return (
        template.replace("{name}", "webop")
        .replace("{job_id}", str(world.job_id))
        .replace("{delivery_id}", str(world.delivery_id))
        .replace("{reference}", world.packages[force])
        .replace("{label}", world.subjects[force])
    )


def _request(world: WebWorld, method: str, template: str, force: str | None) -> dict[str, Any]:
    """The route's request, with ``{label}``/``{account}`` in form data made this subject's."""
    kwargs = dict(REQUESTS.get((method, template), {}))
    label = world.subjects[force or OWN_FORCE]
    account = {OWN_FORCE: "u1", OTHER_FORCE: "u2"}[force or OWN_FORCE]
    if "data" in kwargs:
        fill = {"{label}": label, "{account}": account}
        kwargs["data"] = {k: fill.get(v, v) for k, v in kwargs["data"].items()}
    return kwargs


def _expected(role: Role | None, action: str, force: str | None) -> str:
    if action == PUBLIC:
        return "allow"
    if role is None:
        return "login"
    if role not in authz.ACTIONS[action]:
        return "forbidden"
    if role is Role.FORCE_OFFICER and force not in (None, OWN_FORCE):
        return "hidden"
    return "allow"


def _client(world: WebWorld, role: Role | None, path: str) -> TestClient:
    if role is None:
        return TestClient(world.app, base_url="https://testserver")
    if path == "/logout":  # logging out ends the session: use one of its own
        return log_in(world.app, world.users[role])
    return world.client(role)


def _outcome(status: int, headers: Any, allowed_other: set[int]) -> str:
    if status in allowed_other:
        return "allow"
    if status == 401 or (status == 303 and headers.get("location") == "/login"):
        return "login"
    if status == 403:
        return "forbidden"
    if status == 404:
        return "hidden"
    assert status < 500, f"server error {status}"
    return "allow" if status < 400 else f"status {status}"


@pytest.fixture(scope="module")
def world(module_store: Store, tmp_path_factory: pytest.TempPathFactory) -> WebWorld:
    return build_world(module_store, tmp_path_factory.mktemp("matrix"))


def test_every_route_declares_one_known_action(world: WebWorld) -> None:
    cases = _cases(world)
    assert len(cases) >= 20
    for method, path, action, _ in cases:
        assert action == PUBLIC or action in authz.ACTIONS, (method, path)
        if method != "GET":
            assert (method, path) in REQUESTS, f"add {method} {path} to REQUESTS"


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
def test_matrix(world: WebWorld, role: Role | None) -> None:
    wrong = []
    for method, template, action, force in _cases(world):
        path = _path(world, template, force)
        client = _client(world, role, path)
        kwargs = _request(world, method, template, force)
        if method != "GET" and role is not None:
            kwargs["headers"] = {"x-csrf-token": csrf_of(client)}
        r = client.request(method, path, follow_redirects=False, **kwargs)
        got = _outcome(r.status_code, r.headers, ALLOWED_OTHERWISE.get((method, template), set()))
        want = _expected(role, action, force)
        if got != want:
            wrong.append(f"{method} {path} as {role}: expected {want}, got {got} ({r.status_code})")
    assert not wrong, "\n".join(wrong)


def test_force_officer_lists_only_their_force(world: WebWorld) -> None:
    officer = world.client(Role.FORCE_OFFICER)
    refs = [p["reference"] for p in officer.get("/api/v1/packages").json()]
    assert refs == [world.packages[OWN_FORCE]]
    page = officer.get("/portal").text
    assert world.packages[OWN_FORCE] in page and world.packages[OTHER_FORCE] not in page
    analyst = world.client(Role.ANALYST)
    assert {p["reference"] for p in analyst.get("/api/v1/packages").json()} == set(
        world.packages.values()
    )


def test_partner_reaches_only_the_matching_api(world: WebWorld) -> None:
    partner = world.client(Role.PARTNER)
    assert partner.get("/api/v1/operations").status_code == 403
    assert partner.get("/api/v1/packages").status_code == 403
    assert partner.get("/api/v1/operations/webop/queue").status_code == 403
    r = partner.post(
        "/api/v1/match",
        json={"hashes": [{"value": "ab" * 16}]},
        headers={"x-csrf-token": csrf_of(partner)},
    )
    assert r.status_code == 200 and r.json()["results"][0]["matched"] is False


def test_download_is_the_stored_file(world: WebWorld, tmp_path: Path) -> None:
    officer = world.client(Role.FORCE_OFFICER)
    r = officer.get(f"/packages/{world.packages[OWN_FORCE]}/download")
    assert r.status_code == 200 and r.content == b'{"package": 1}'
