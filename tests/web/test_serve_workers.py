"""``safeguard serve --workers 2``: two server processes share the socket and the store; what
each answers is audited on the one hash chain."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from sqlalchemy import func, select

from safeguard.access import add_user
from safeguard.access.tokens import issue_token
from safeguard.config import Settings
from safeguard.store import audit
from safeguard.store.db import Store
from safeguard.store.models import AuditEvent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _workers(pid: int) -> list[int]:
    """The worker processes uvicorn spawned under ``pid`` (not multiprocessing's tracker)."""
    children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return [c for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def test_two_workers_serve_one_store_and_audit_on_one_chain(tmp_path: Path) -> None:
    """Started on a data directory with no store yet: the command creates (migrates) it once
    before its workers start, so they do not race to."""
    data = tmp_path / "data"
    port = _free_port()
    env = {**os.environ, "SAFEGUARD_DATA_DIR": str(data)}
    cli = str(Path(sys.executable).with_name("safeguard"))
    server = subprocess.Popen([cli, "serve", "--port", str(port), "--workers", "2"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/api/v1/openapi.json", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        while len(_workers(server.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.3)
        assert len(_workers(server.pid)) == 2, "two worker processes under the supervisor"
        store = Store.open(Settings(data_dir=data), migrate=False)  # the command migrated it
        with store.session() as s:
            add_user(s, "ana", "analyst", by="test")
            token = issue_token(s, "ana", by="test").token
        store.dispose()

        def me(_: int) -> int:
            headers = {"authorization": f"Bearer {token}"}
            with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
                return client.get("/api/v1/me").status_code  # a new connection each time

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(me, range(40)))
        assert statuses == [200] * 40
    finally:
        server.terminate()
        server.wait(30)
    store = Store.open(Settings(data_dir=data))
    with store.session() as s:
        seen = s.scalar(select(func.count()).where(AuditEvent.action == "web.account.view"))
        assert audit.verify(s) is None  # both processes appended to one intact chain
    assert seen == 40
