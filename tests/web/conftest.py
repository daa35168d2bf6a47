"""Logged-in clients over the session's small synthetic operation."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from safeguard.access import add_user, reset_user
from safeguard.access.users import NewUser
from safeguard.errors import ActionRefused
from safeguard.store.db import Store
from safeguard.web import create_app
from tests.support.operation import SmallOperation
from tests.support.web import log_in


def ensure_user(store: Store, username: str, role: str, force: str | None = None) -> NewUser:
    """The user with fresh credentials (added, or reset if an earlier test added it)."""
    with store.session() as s:
        try:
            return add_user(s, username, role, force_id=force, by="test")
        except ActionRefused:
            return reset_user(s, username, by="test")


@pytest.fixture
def client_as(small_operation: SmallOperation) -> Callable[[str], TestClient]:
    """``client_as(role)``: a TestClient logged in to the small operation with that role."""
    app = create_app(small_operation.settings, small_operation.store)
    app.state.web.login_per_minute = 1000

    def make(role: str, force: str | None = None) -> TestClient:
        user = ensure_user(small_operation.store, f"web-{role}", role, force)
        return log_in(app, user)

    return make
