"""Long work from the browser, in Debian's Chromium: an analyst ingests a delivery waiting in
the inbox into a new operation and follows the job's progress until the operation's
dashboard shows its accounts, then writes the operation report and downloads its PDF."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from safeguard import synth
from safeguard.config import Settings
from safeguard.store.db import Store
from tests.browser.conftest import serve
from tests.support.web import fresh_code
from tests.web.conftest import ensure_user

pytestmark = pytest.mark.browser
TIMEOUT = 15_000
#: A job's page polls every second; an ingest and its analysis take a few seconds here.
JOB_TIMEOUT = 180_000


@dataclass
class Site:
    app: FastAPI
    store: Store
    url: str
    accounts: int  # in the delivery waiting in the inbox, by its ground truth


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    from safeguard.web import create_app

    synth.generate(tmp_path / "synth", accounts=60, seed=5, events_per_account=8)
    settings = Settings(data_dir=tmp_path / "data", user="tester")
    settings.inbox_dir.mkdir(parents=True)
    (tmp_path / "synth" / "delivery").rename(settings.inbox_dir / "handover-7")
    truth = json.loads((tmp_path / "synth" / "ground_truth.json").read_text())
    store = Store.open(settings)
    app = create_app(settings, store)
    app.state.web.login_per_minute = 1000
    with serve(app) as url:
        yield Site(app, store, url, int(truth["accounts"]))
    store.dispose()


def _wait_done(page: Any) -> None:
    page.wait_for_selector("#job[data-status=done]", timeout=JOB_TIMEOUT)


def test_an_analyst_ingests_from_the_inbox_then_writes_the_report(
    site: Site, browser: Any, tmp_path: Path
) -> None:
    user = ensure_user(site.store, "bj-analyst", "analyst")
    page = browser.new_context(accept_downloads=True).new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{site.url}/login")
    page.fill("#username", user.username)
    page.fill("#password", user.password)
    page.fill("#code", fresh_code(site.app, user))
    page.click("#login")
    page.wait_for_load_state()
    assert page.url.rstrip("/") == site.url, page.content()[:800]
    page.wait_for_selector("#new-ingest-form")  # no operation yet: the operations page
    page.select_option("#new-ingest-delivery", "handover-7")
    page.fill("#new-ingest-operation", "handover")
    page.click("#new-ingest")
    page.wait_for_url("**/jobs/*")
    _wait_done(page)
    assert "handover-7" in page.inner_text("h1")
    assert "rows quarantined" in page.inner_text("#job-ingest")
    page.screenshot(path=str(tmp_path / "ingest-done.png"), full_page=True)
    page.click("h1 a[href='/operations/handover']")
    page.wait_for_selector("#fig-accounts")
    assert int(page.inner_text("#fig-accounts").replace(",", "")) == site.accounts
    page.click("#jobs-link")
    page.wait_for_selector("#jobs tbody tr")
    assert "ingest" in page.inner_text("#jobs")
    page.click("#report")
    page.wait_for_url("**/jobs/*")
    _wait_done(page)
    with page.expect_download() as download:
        page.click("#report-pdf")
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and download.value.suggested_filename == "handover-report.pdf"
    page.screenshot(path=str(tmp_path / "report-done.png"), full_page=True)
