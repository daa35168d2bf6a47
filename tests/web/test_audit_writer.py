"""Every view is audited in the hash-chained log before the route runs, also when many
requests' events share one transaction; a view whose event cannot be written is refused."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from safeguard.authz import Role
from safeguard.store.audit import check_chain
from safeguard.store.db import Store
from safeguard.store.models import AuditEvent
from safeguard.web import auditlog
from safeguard.web.auditlog import AuditWriter
from tests.support.web import build_world


def test_concurrent_events_are_all_chained_in_each_writers_order(store: Store) -> None:
    writer = AuditWriter(store)

    def submit(who: str) -> None:
        futures = [writer.submit(who, "web.view", f"/p/{i}", {"i": i}) for i in range(40)]
        for f in futures:
            f.result(timeout=60)

    threads = [threading.Thread(target=submit, args=(f"user{t}",)) for t in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with store.session() as s:
        check = check_chain(s)
        rows = s.execute(select(AuditEvent.actor, AuditEvent.detail).order_by(AuditEvent.id))
        by_user: dict[str, list[int]] = {}
        for actor, detail in rows:
            by_user.setdefault(actor, []).append(detail["i"])
    assert check.intact and check.events == 200
    assert all(seq == list(range(40)) for seq in by_user.values()) and len(by_user) == 5


def test_events_queued_behind_a_commit_share_the_next_transaction(sqlite_store: Store) -> None:
    path = sqlite_store.engine.url.database
    assert path
    blocker = sqlite3.connect(path, timeout=60)
    blocker.execute("BEGIN IMMEDIATE")  # the writer cannot commit until this ends
    writer = AuditWriter(sqlite_store)
    futures = [writer.submit("u", "web.view", "/p", {"i": i}) for i in range(50)]
    blocker.rollback()
    for f in futures:
        f.result(timeout=60)
    assert writer.transactions <= 2
    with sqlite_store.session() as s:
        assert check_chain(s).events == 50


def test_a_view_that_cannot_be_audited_is_refused(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build_world(store, tmp_path)
    client = world.client(Role.ANALYST)

    def broken(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(auditlog, "append_batch", broken)
    r = client.get(f"/api/v1/operations/webop/subjects/{world.subjects['kent']}")
    assert r.status_code == 503
    assert "label" not in r.text


def test_a_views_response_is_held_until_its_event_is_committed(
    sqlite_store: Store, tmp_path: Path
) -> None:
    world = build_world(sqlite_store, tmp_path)
    client = world.client(Role.ANALYST)
    url = f"/api/v1/operations/webop/subjects/{world.subjects['kent']}"
    assert client.get(url).status_code == 200  # logged in, warm
    path = sqlite_store.engine.url.database
    assert path
    blocker = sqlite3.connect(path, timeout=60)
    blocker.execute("BEGIN IMMEDIATE")  # no audit event can be committed until this ends
    answer: dict[str, object] = {}
    fetch = threading.Thread(target=lambda: answer.update(r=client.get(url)))
    fetch.start()
    fetch.join(1.5)
    assert fetch.is_alive() and not answer  # the view ran, but nothing was sent
    blocker.rollback()
    fetch.join(60)
    r = answer["r"]
    assert getattr(r, "status_code", None) == 200
    with sqlite_store.session() as s:
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
        assert last.action == "web.subjects.view" and last.target.endswith(world.subjects["kent"])
        assert check_chain(s).intact
