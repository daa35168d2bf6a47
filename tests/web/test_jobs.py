"""Long work started from the web runs in the background, its progress kept in the store so
a reload shows it; failures are shown, and a job cut off by a stopped server says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from safeguard.authz import Actor, Role
from safeguard.progress import Progress
from safeguard.store.db import Store
from safeguard.store.models import WebJob
from safeguard.web import jobs
from tests.support.web import WebWorld, build_world, csrf_of


@pytest.fixture
def world(store: Store, tmp_path: Path) -> WebWorld:
    return build_world(store, tmp_path)


def _counting(
    _s: Any, _c: Any, _op: str, args: dict[str, Any], progress: Progress
) -> dict[str, Any]:
    with progress.task("counting", total=args["n"]) as t:
        for _ in range(args["n"]):
            t.advance()
    with progress.task("tidying"):
        pass
    return {"counted": args["n"]}


def test_job_progress_is_kept_and_shown_after_a_reload(
    world: WebWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(jobs.JOB_KINDS, "count", _counting)
    runner: jobs.JobRunner = world.app.state.jobs
    client = world.client(Role.ANALYST)
    actor = Actor(0, world.users[Role.ANALYST].username, Role.ANALYST)
    job_id = runner.submit("count", "webop", {"n": 7}, actor)
    runner.wait()
    doc = client.get(f"/api/v1/jobs/{job_id}").json()
    assert doc["status"] == "done" and doc["result"] == {"counted": 7}
    assert [(st["description"], st["done"], st["total"]) for st in doc["steps"]] == [
        ("counting", 7, 7),
        ("tidying", 1, 1),
    ]
    page = client.get(f"/jobs/{job_id}").text  # what a reload shows
    assert 'data-status="done"' in page and "counting" in page and "hx-trigger" not in page


def test_rerun_from_the_web_runs_and_failures_are_shown(world: WebWorld) -> None:
    client = world.client(Role.SUPERVISOR)
    csrf = {"x-csrf-token": csrf_of(client)}
    r = client.post("/api/v1/operations/webop/jobs", json={"stage": "track"}, headers=csrf)
    assert r.status_code == 202 and r.json()["status"] in ("queued", "running", "done")
    world.app.state.jobs.wait()
    assert client.get(f"/api/v1/jobs/{r.json()['id']}").json()["status"] == "done"
    bad = client.post("/api/v1/operations/nope/jobs", json={"stage": "track"}, headers=csrf)
    assert bad.status_code == 404
    odd = client.post("/api/v1/operations/webop/jobs", json={"stage": "everything"}, headers=csrf)
    assert odd.status_code == 422


def test_a_job_cut_off_by_a_stopped_server_is_marked_failed(world: WebWorld) -> None:
    with world.store.session() as s:
        stale = WebJob(kind="rerun", operation="webop", args={}, status="running", started_by="x")
        s.add(stale)
        s.flush()
        stale_id = stale.id
    client = world.client(Role.ANALYST)
    client.post(
        "/api/v1/operations/webop/jobs",
        json={"stage": "track"},
        headers={"x-csrf-token": csrf_of(client)},
    )
    world.app.state.jobs.wait()
    doc = client.get(f"/api/v1/jobs/{stale_id}").json()
    assert doc["status"] == "failed" and "interrupted" in doc["error"]
