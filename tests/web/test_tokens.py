"""API tokens: stored hashed, scoped, expiring, revocable, rate-limited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from safeguard.access import issue_token, revoke_token
from safeguard.authz import Role
from safeguard.errors import ActionRefused
from safeguard.store.db import Store
from safeguard.store.models import ApiToken
from tests.support.web import WebWorld, build_world


@pytest.fixture
def world(store: Store, tmp_path: Path) -> WebWorld:
    return build_world(store, tmp_path)


def _token(world: WebWorld, role: Role, **kw: object) -> tuple[int, str]:
    with world.store.session() as s:
        t = issue_token(s, world.users[role].username, by="admin", **kw)  # type: ignore[arg-type]
    return t.id, t.token


def _get(world: WebWorld, token: str, path: str) -> int:
    client = TestClient(world.app, base_url="https://testserver")
    status: int = client.get(path, headers={"authorization": f"Bearer {token}"}).status_code
    return status


def test_token_is_stored_only_as_its_hash(world: WebWorld) -> None:
    _, token = _token(world, Role.ANALYST)
    with world.store.session() as s:
        stored = list(s.scalars(select(ApiToken.token_hash)))
    assert token not in stored and len(stored[0]) == 64
    assert _get(world, token, "/api/v1/operations") == 200


def test_scopes_limit_a_token_below_its_role(world: WebWorld) -> None:
    _, token = _token(world, Role.ANALYST, scopes=["match.query"])
    assert _get(world, token, "/api/v1/operations") == 403
    with pytest.raises(ActionRefused, match="cannot hold"):
        _token(world, Role.PARTNER, scopes=["operations.view"])


def test_revoked_and_expired_tokens_stop_working(world: WebWorld) -> None:
    revoked_id, revoked = _token(world, Role.SUPERVISOR)
    expired_id, expired = _token(world, Role.SUPERVISOR)
    with world.store.session() as s:
        revoke_token(s, revoked_id, by="admin")
        s.execute(
            update(ApiToken)
            .where(ApiToken.id == expired_id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert _get(world, revoked, "/api/v1/me") == 401
    assert _get(world, expired, "/api/v1/me") == 401
    assert _get(world, "sgt_made-up", "/api/v1/me") == 401


def test_each_token_has_its_rate_limit(world: WebWorld) -> None:
    _, slow = _token(world, Role.PARTNER, rate_per_minute=3)
    _, other = _token(world, Role.PARTNER, rate_per_minute=3)
    assert [_get(world, slow, "/api/v1/me") for _ in range(4)] == [200, 200, 200, 429]
    assert _get(world, other, "/api/v1/me") == 200


def test_with_several_workers_each_allows_its_share_of_a_token_limit(world: WebWorld) -> None:
    """``serve --workers 2``: a token limited to 5 a minute gets 3 from each process (its
    share, rounded up), so the two together allow at most 6, never 10."""
    world.app.state.web.workers = 2
    _, token = _token(world, Role.PARTNER, rate_per_minute=5)
    assert [_get(world, token, "/api/v1/me") for _ in range(4)] == [200, 200, 200, 429]
