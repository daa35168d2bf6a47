"""The app in Debian's Chromium: people log in with password and TOTP code; the analyst
sees the operation's figures and chart, a force officer only their force's packages, an
auditor the intact audit chain; no request leaves the host."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from sqlalchemy import select

from safeguard.access.users import NewUser
from safeguard.store.models import IntelPackage
from safeguard.web import create_app
from tests.browser.conftest import serve
from tests.support.operation import SmallOperation
from tests.web.conftest import ensure_user

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base_url(small_operation: SmallOperation) -> Iterator[str]:
    app = create_app(small_operation.settings, small_operation.store)
    app.state.web.login_per_minute = 1000
    with serve(app) as url:
        yield url


def _log_in(page: Any, base_url: str, user: NewUser) -> None:
    code = pyotp.TOTP(user.totp_secret or "").now()  # each browser user logs in once
    page.goto(f"{base_url}/operations/small")
    assert page.url.endswith("/login")  # not logged in yet: sent to the login form
    page.fill("#username", user.username)
    page.fill("#password", user.password)
    page.fill("#code", code)
    page.click("#login")


def test_analyst_sees_the_overview(
    base_url: str, small_operation: SmallOperation, browser: Any, tmp_path: Path
) -> None:
    user = ensure_user(small_operation.store, "browser-analyst", "analyst")
    requested: list[str] = []
    page = browser.new_page()
    page.on("request", lambda r: requested.append(r.url))
    _log_in(page, base_url, user)
    page.wait_for_url("**/operations/small")
    s = small_operation.summary
    assert page.inner_text("#fig-accounts") == f"{s.accounts:,}"
    assert page.inner_text("#fig-subjects") == f"{s.subjects:,}"
    page.wait_for_selector("#tier-chart[data-rendered=true]", timeout=10_000)
    rows = page.locator("#queue tbody tr")
    assert rows.count() > 0
    assert "Tier" in page.inner_text("#tiers")
    assert page.inner_text("#whoami") == "browser-analyst (analyst)"
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
    page.click("#logout")
    page.wait_for_url("**/login")
    assert requested and all(u.startswith(base_url) for u in requested), requested


def test_force_officer_sees_only_their_force(
    base_url: str, small_operation: SmallOperation, browser: Any, tmp_path: Path
) -> None:
    store = small_operation.store
    with store.session() as s:
        forces = list(s.scalars(select(IntelPackage.force_id).distinct()))
        force = sorted(forces)[0]
        mine = set(s.scalars(select(IntelPackage.reference).where(IntelPackage.force_id == force)))
    assert len(forces) > 1 and mine
    user = ensure_user(store, "browser-officer", "force_officer", force)
    page = browser.new_page()
    _log_in(page, base_url, user)
    page.wait_for_url("**/portal")
    shown = set(
        page.locator("#packages tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.reference)"
        )
    )
    assert shown == mine
    page.screenshot(path=str(tmp_path / "portal.png"), full_page=True)
    other = page.goto(f"{base_url}/operations/small")
    assert other is not None and other.status == 403


def test_auditor_sees_the_intact_chain(
    base_url: str, small_operation: SmallOperation, browser: Any
) -> None:
    user = ensure_user(small_operation.store, "browser-auditor", "auditor")
    page = browser.new_page()
    _log_in(page, base_url, user)
    page.wait_for_url("**/audit")
    assert page.inner_text("#audit-state").startswith("Chain intact")
    assert "login" in page.inner_text("#audit")
