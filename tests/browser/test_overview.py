"""The overview page in Debian's Chromium: figures visible, chart drawn, no outside requests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from safeguard.web import create_app
from tests.support.operation import SmallOperation

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def base_url(small_operation: SmallOperation) -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(
        create_app(small_operation.settings, small_operation.store),
        host="127.0.0.1",
        port=port,
        log_level="warning",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "web app did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_overview_in_chromium(
    base_url: str, small_operation: SmallOperation, tmp_path: Path
) -> None:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: run `make test` (it installs it)")
    from playwright.sync_api import sync_playwright

    requested: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        page.on("request", lambda r: requested.append(r.url))
        page.goto(f"{base_url}/")
        assert page.url.endswith("/operations/small")
        s = small_operation.summary
        assert page.inner_text("#fig-accounts") == f"{s.accounts:,}"
        assert page.inner_text("#fig-subjects") == f"{s.subjects:,}"
        page.wait_for_selector("#tier-chart[data-rendered=true]", timeout=10_000)
        rows = page.locator("#queue tbody tr")
        assert rows.count() > 0
        assert "Tier" in page.inner_text("#tiers")
        page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
        browser.close()
    assert requested and all(u.startswith(base_url) for u in requested), requested
