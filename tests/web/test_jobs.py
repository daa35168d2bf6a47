"""Long work started from the web runs in the background, its progress kept in the store so
a reload shows it; failures are shown, and a job cut off by a stopped server says so."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from safeguard import synth
from safeguard.authz import Actor, Role
from safeguard.pipeline import PipelineInputs, run_pipeline
from safeguard.progress import Progress
from safeguard.store.db import Store
from safeguard.store.models import AuditEvent, StageRun, WebJob
from safeguard.track import summarise
from safeguard.web import jobs
from safeguard.web.job_kinds import JobRun
from tests.support.web import WebWorld, build_world, csrf_of


@pytest.fixture
def world(store: Store, tmp_path: Path) -> WebWorld:
    return build_world(store, tmp_path)


def _counting(job: JobRun, progress: Progress) -> dict[str, Any]:
    with progress.task("counting", total=job.args["n"]) as t:
        for _ in range(job.args["n"]):
            t.advance()
    with progress.task("tidying"):
        pass
    return {"counted": job.args["n"]}


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
    """Jobs of a server process that is gone are marked failed when the next job starts;
    a job another live worker process runs (``serve --workers``) is left running."""
    gone = subprocess.Popen(["true"])
    gone.wait()
    host = socket.gethostname()
    runners = {"": "failed", f"{host}:{gone.pid}": "failed", f"{host}:{os.getppid()}": "running"}
    ids = {}
    with world.store.session() as s:
        for runner in runners:
            job = WebJob(kind="rerun", operation="webop", args={}, status="running",
                         started_by="x", runner=runner)  # fmt: skip
            s.add(job)
            s.flush()
            ids[runner] = job.id
    client = world.client(Role.ANALYST)
    client.post(
        "/api/v1/operations/webop/jobs",
        json={"stage": "track"},
        headers={"x-csrf-token": csrf_of(client)},
    )
    world.app.state.jobs.wait()
    for runner, expected in runners.items():
        doc = client.get(f"/api/v1/jobs/{ids[runner]}").json()
        assert doc["status"] == expected, runner
        assert ("interrupted" in doc["error"]) == (expected == "failed"), runner


def _delivery(inbox: Path, tmp: Path) -> Path:
    """A small synthetic delivery waiting in the inbox (the generator writes it elsewhere)."""
    synth.generate(tmp / "synth", accounts=60, seed=4, events_per_account=8)
    inbox.mkdir(parents=True, exist_ok=True)
    return (tmp / "synth" / "delivery").rename(inbox / "handover-1")


def test_an_ingest_from_the_inbox_creates_the_operation_and_analyses_it_as_a_run_would(
    world: WebWorld, tmp_path: Path
) -> None:
    settings = world.app.state.settings
    delivery = _delivery(settings.inbox_dir, tmp_path)
    client = world.client(Role.ANALYST)
    csrf = {"x-csrf-token": csrf_of(client)}
    assert client.get("/api/v1/inbox").json() == ["handover-1"]
    r = client.post(
        "/api/v1/operations/fromweb/jobs",
        json={"kind": "ingest", "delivery": "handover-1", "analyse": True},
        headers=csrf,
    )
    assert r.status_code == 202, r.text
    world.app.state.jobs.wait(timeout=300)
    job = client.get(f"/api/v1/jobs/{r.json()['id']}").json()
    assert job["status"] == "done", job["error"]
    truth = json.loads((tmp_path / "synth" / "ground_truth.json").read_text())
    assert summarise(world.store, "fromweb").accounts == truth["accounts"]
    assert job["result"]["created"] and job["result"]["records"]["file_events"] > 0
    assert job["result"]["stages"][-1] == "track" and job["args"]["delivery"] == "handover-1"
    # The same delivery through the CLI's whole run, into another operation: same figures.
    run_pipeline(world.store, settings, "fromcli", PipelineInputs(delivery), user="cli")
    web, cli = summarise(world.store, "fromweb").to_json(), summarise(world.store, "fromcli")
    for key in ("accounts", "uk_accounts", "subjects", "tiers", "packages_by_force"):
        assert web[key] == cli.to_json()[key], key
    with world.store.session() as s:
        stages = set(s.scalars(select(StageRun.stage).where(StageRun.status == "ok")))
    assert {"ingest", "match", "attribute", "resolve", "assess", "package", "track"} <= stages
    listed = client.get("/api/v1/operations/fromweb/jobs").json()
    assert [j["id"] for j in listed] == [job["id"]]
    page = client.get(f"/jobs/{job['id']}").text
    assert 'id="job-ingest"' in page and f"/deliveries/{job['result']['delivery_id']}" in page


def test_only_what_is_in_the_inbox_can_be_ingested(world: WebWorld, tmp_path: Path) -> None:
    settings = world.app.state.settings
    settings.inbox_dir.mkdir(parents=True)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (settings.inbox_dir / "linked").symlink_to(outside)
    client = world.client(Role.SUPERVISOR)
    csrf = {"x-csrf-token": csrf_of(client)}
    for name, status in (
        ("../elsewhere", 404),
        (str(outside), 404),
        ("none", 404),
        ("linked", 409),
    ):
        r = client.post(
            "/api/v1/operations/webop/jobs",
            json={"kind": "ingest", "delivery": name},
            headers=csrf,
        )
        assert r.status_code == status, (name, r.text)
    assert (
        client.post(
            "/api/v1/operations/webop/jobs", json={"kind": "ingest"}, headers=csrf
        ).status_code
        == 422
    )  # an ingest names its delivery
    with world.store.session() as s:
        assert s.scalars(select(WebJob).where(WebJob.kind == "ingest")).all() == []


def test_a_report_job_writes_the_report_and_its_files_download_audited(world: WebWorld) -> None:
    client = world.client(Role.SUPERVISOR)
    r = client.post(
        "/operations/webop/jobs",
        data={"kind": "report", "csrf": csrf_of(client)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    job_url = r.headers["location"]
    world.app.state.jobs.wait(timeout=120)
    job_id = int(job_url.rsplit("/", 1)[1])
    assert client.get(f"/api/v1/jobs/{job_id}").json()["status"] == "done"
    assert 'id="report-pdf"' in client.get(job_url).text
    pdf = client.get(f"/jobs/{job_id}/download?file=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf.headers["content-disposition"]
    html = client.get(f"/api/v1/jobs/{job_id}/download", params={"file": "html"})
    assert html.status_code == 200 and b"webop" in html.content
    assert client.get(f"/jobs/{job_id}/download?file=exe").status_code == 422
    with world.store.session() as s:
        downloads = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "report.download")
        ).all()
    assert [(e.actor, e.detail["file"]) for e in downloads] == [
        ("supervisor-user", "webop-report.pdf"),
        ("supervisor-user", "webop-report.html"),
    ]


def test_a_job_that_wrote_no_report_has_nothing_to_download(world: WebWorld) -> None:
    client = world.client(Role.ANALYST)
    with world.store.session() as s:
        rerun = WebJob(kind="rerun", operation="webop", args={}, status="done", started_by="x")
        s.add(rerun)
        s.flush()
        rerun_id = rerun.id
    assert client.get(f"/jobs/{rerun_id}/download").status_code == 404
