"""The analysts', supervisors' and force officers' work in Debian's Chromium, over an operation
of its own (the session's small operation stays untouched for the tests that compare it):

(a) an analyst filters the queue, opens a subject and overrides its tier with a
    justification; (b) a supervisor approves a package the drafter may not, then sends it;
(c) a force officer sees only their force's packages, acknowledges one and records an
    arrest, and (d) the dashboard's arrest figure goes up by one.

Each test stands alone (xdist may run them on different workers); screenshots go to each
test's tmp_path, as in test_overview.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyrage
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from safeguard.access.users import NewUser
from safeguard.package import lifecycle
from safeguard.package.keys import init_agency_key, set_recipient_key
from safeguard.store.models import IntelPackage
from tests.browser.conftest import serve
from tests.support.operation import SmallOperation, build_small_operation
from tests.support.web import fresh_code
from tests.web.conftest import ensure_user

pytestmark = pytest.mark.browser
TIMEOUT = 15_000


@dataclass
class Site:
    op: SmallOperation
    app: FastAPI
    url: str
    force: str  # the force officer's force: the one with the most packages

    def drafts(self, *, mine: bool) -> list[IntelPackage]:
        with self.op.store.session() as s:
            rows = list(
                s.scalars(
                    select(IntelPackage)
                    .where(IntelPackage.status == "draft")
                    .order_by(IntelPackage.reference)
                )
            )
            for p in rows:
                s.expunge(p)
        return [p for p in rows if (p.force_id == self.force) == mine]

    def status(self, reference: str) -> str:
        with self.op.store.session() as s:
            q = select(IntelPackage.status).where(IntelPackage.reference == reference)
            return str(s.scalars(q).one())

    def key(self, recipient: str) -> None:
        identity = pyrage.x25519.Identity.generate()
        set_recipient_key(self.op.store, recipient, str(identity.to_public()), user="test")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from safeguard.web import create_app

    op = build_small_operation(tmp_path_factory.mktemp("browser-workflow"), accounts=150)
    init_agency_key(op.settings)
    with op.store.session() as s:
        counts = Counter(s.scalars(select(IntelPackage.force_id)))
    force = max(sorted(counts), key=lambda f: counts[f])
    app = create_app(op.settings, op.store)
    app.state.web.login_per_minute = 1000
    with serve(app) as url:
        yield Site(op, app, url, force)
    op.store.dispose()


def _log_in(browser: Any, site: Site, user: NewUser) -> Any:
    """A new page (its own cookies) logged in as ``user``."""
    page = browser.new_context().new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{site.url}/login")
    page.fill("#username", user.username)
    page.fill("#password", user.password)
    page.fill("#code", fresh_code(site.app, user))
    page.click("#login")
    page.wait_for_load_state()
    assert not page.url.endswith("/login"), page.content()[:500]
    return page


def test_analyst_filters_opens_and_overrides(site: Site, browser: Any, tmp_path: Path) -> None:
    page = _log_in(browser, site, ensure_user(site.op.store, "bw-analyst", "analyst"))
    page.goto(f"{site.url}/operations/{site.op.name}/queue")
    page.check("input[name=tier][value='1']")
    page.locator("#filters button[type=submit]").click()
    page.wait_for_url("**tier=1**")
    rows = page.locator("#queue tbody tr[data-label]")
    assert rows.count() > 0
    assert set(rows.evaluate_all("rs => rs.map(r => r.className)")) == {"tier-1"}
    page.screenshot(path=str(tmp_path / "queue-tier-1.png"), full_page=True)
    label = rows.first.get_attribute("data-label")
    rows.first.locator("a").first.click()
    page.wait_for_url(f"**/subjects/{label}")
    assert page.inner_text("#subject-tier") == "1"
    page.select_option("#override-tier", "3")
    page.fill("#override-justification", "second account belongs to a sibling: not the suspect")
    page.click("#override")
    page.wait_for_selector("#override-in-force")
    assert page.inner_text("#subject-tier") == "3"
    assert page.inner_text("#computed-tier") == "1"
    assert "bw-analyst" in page.inner_text("#override-in-force")
    assert "sibling" in page.inner_text("#override-history")
    page.screenshot(path=str(tmp_path / "override.png"), full_page=True)


def test_supervisor_approves_what_the_drafter_may_not_then_sends(
    site: Site, browser: Any, tmp_path: Path
) -> None:
    p = site.drafts(mine=False)[0]
    site.key(p.recipient_id)
    drafter = _log_in(browser, site, ensure_user(site.op.store, p.drafted_by, "supervisor"))
    drafter.goto(f"{site.url}/packages/{p.reference}")
    assert drafter.is_visible("#own-draft")
    drafter.click("#approve")
    drafter.wait_for_selector("#package-error")
    assert "second person" in drafter.inner_text("#package-error")
    drafter.screenshot(path=str(tmp_path / "drafter-refused.png"), full_page=True)
    assert site.status(p.reference) == "draft"
    page = _log_in(browser, site, ensure_user(site.op.store, "bw-supervisor", "supervisor"))
    page.goto(f"{site.url}/packages/{p.reference}")
    page.click("#approve")
    page.wait_for_selector("#done")
    assert page.inner_text("#package-status") == "approved"
    page.click("#send")
    page.wait_for_selector("#done")
    assert page.inner_text("#package-status") == "sent"
    assert "bw-supervisor" in page.inner_text("#package-history")
    page.screenshot(path=str(tmp_path / "sent.png"), full_page=True)
    assert site.status(p.reference) == "sent"


def _arrests(page: Any, site: Site) -> int:
    page.goto(f"{site.url}/operations/{site.op.name}")
    page.wait_for_selector("#outcome-chart[data-rendered=true]")
    return int(page.inner_text("#fig-arrests").replace(",", ""))


def test_officer_acknowledges_and_records_an_arrest_the_dashboard_counts(
    site: Site, browser: Any, tmp_path: Path
) -> None:
    p = site.drafts(mine=True)[0]
    lifecycle.approve(site.op.store, site.op.name, p.reference, user="bw-approver")
    site.key(p.recipient_id)
    lifecycle.send(site.op.store, site.op.settings, site.op.name, p.reference, user="bw-approver")
    analyst = _log_in(browser, site, ensure_user(site.op.store, "bw-dashboard", "analyst"))
    before = _arrests(analyst, site)

    officer = ensure_user(site.op.store, "bw-officer", "force_officer", site.force)
    page = _log_in(browser, site, officer)
    page.wait_for_url("**/portal")
    shown = set(
        page.locator("#packages tbody tr").evaluate_all("rs => rs.map(r => r.dataset.reference)")
    )
    with site.op.store.session() as s:
        q = select(IntelPackage.reference).where(IntelPackage.force_id == site.force)
        assert shown == set(s.scalars(q))
    row = page.locator(f"#packages tr[data-reference='{p.reference}']")
    row.locator("button.acknowledge").click()
    page.wait_for_selector("#done")
    assert page.inner_text("#package-status") == "acknowledged"
    page.select_option("#outcome-kind", "arrest")
    page.fill("#outcome-detail", "arrested at home address")
    page.click("#record-outcome")
    page.wait_for_selector("#done")
    assert page.locator("#package-outcomes tr[data-kind=arrest]").count() == 1
    page.screenshot(path=str(tmp_path / "arrest.png"), full_page=True)

    assert _arrests(analyst, site) == before + 1
    analyst.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
