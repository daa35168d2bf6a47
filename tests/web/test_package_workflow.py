"""The package workflow on the web, over a real small operation on SQLite and PostgreSQL: the
package page previews what the package says; a supervisor approves (never the drafter),
sends (never in clear), a force officer acknowledges and records outcomes (refused as the CLI
refuses), and every step is in the audit log twice: the lifecycle's event and the request's."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pyrage
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from safeguard.access.users import NewUser
from safeguard.package.keys import init_agency_key, set_recipient_key
from safeguard.store.models import AuditEvent, IntelPackage, Outcome
from safeguard.track import summarise
from safeguard.web import create_app
from tests.conftest import BACKENDS, empty_database
from tests.support.operation import SmallOperation, build_small_operation
from tests.support.web import csrf_of, log_in
from tests.web.conftest import ensure_user


@dataclass
class Workflow:
    op: SmallOperation
    app: FastAPI
    users: dict[str, NewUser]
    clients: dict[str, TestClient] = field(default_factory=dict)

    def client(self, name: str) -> TestClient:
        if name not in self.clients:
            self.clients[name] = log_in(self.app, self.users[name])
        return self.clients[name]

    def post(self, name: str, path: str, data: dict[str, str] | None = None) -> httpx.Response:
        c = self.client(name)
        r: httpx.Response = c.post(
            path, data={"csrf": csrf_of(c), **(data or {})}, follow_redirects=False
        )
        return r

    def row(self, reference: str) -> IntelPackage:
        with self.op.store.session() as s:
            p = s.scalars(select(IntelPackage).where(IntelPackage.reference == reference)).one()
            s.expunge(p)
            return p

    def drafts(self) -> list[IntelPackage]:
        with self.op.store.session() as s:
            rows = list(s.scalars(select(IntelPackage).order_by(IntelPackage.reference)))
            for p in rows:
                s.expunge(p)
        return [p for p in rows if p.status == "draft"]

    def draft(self, *, mine: bool) -> IntelPackage:
        """A draft of the officer's force (``mine``) or of another force. Tests may run in
        any order and on any worker: each takes a draft nobody has moved on yet."""
        force = self.users["officer"].force_id
        return next(p for p in self.drafts() if (p.force_id == force) == mine)

    def events(self, action: str) -> list[AuditEvent]:
        with self.op.store.session() as s:
            rows = list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)))
            for e in rows:
                s.expunge(e)
            return rows


@pytest.fixture(scope="module", params=BACKENDS)
def wf(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workflow]:
    root = tmp_path_factory.mktemp("workflow")
    op = build_small_operation(root, url=empty_database(request, request.param, root), accounts=150)
    init_agency_key(op.settings)
    app = create_app(op.settings, op.store)
    app.state.web.login_per_minute = 1000
    store = op.store
    with store.session() as s:
        forces = Counter(s.scalars(select(IntelPackage.force_id)))
    force = max(sorted(forces), key=lambda f: forces[f])  # the officer's force: 2+ packages
    assert forces[force] >= 2 and len(forces) >= 2
    users = {
        "drafter": ensure_user(store, "tester", "supervisor"),  # the pipeline drafted as tester
        "supervisor": ensure_user(store, "wf-supervisor", "supervisor"),
        "analyst": ensure_user(store, "wf-analyst", "analyst"),
        "officer": ensure_user(store, "wf-officer", "force_officer", force),
    }
    yield Workflow(op, app, users)
    op.store.dispose()


def _key(wf: Workflow, recipient: str) -> pyrage.x25519.Identity:
    identity = pyrage.x25519.Identity.generate()
    set_recipient_key(wf.op.store, recipient, str(identity.to_public()), user="test")
    return identity


def _text(html: str, element_id: str) -> str:
    m = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S)
    assert m, f"no #{element_id}"
    return " ".join(re.sub(r"<[^>]+>", " ", m.group(1)).split())


def test_package_page_previews_the_package(wf: Workflow) -> None:
    p = wf.drafts()[0]
    html = wf.client("analyst").get(f"/packages/{p.reference}").text
    grading, priority = p.content["grading"], p.content["priority"]
    assert _text(html, "package-status") == "draft"
    assert _text(html, "package-tier") == priority["tier"] == p.tier
    assert _text(html, "package-computed-tier").startswith(priority["computed_tier"])
    assert grading["code"] in html and f"handling {grading['handling_code']}" in html
    for condition in grading["handling_conditions"]:
        assert condition in html
    assert p.content["summary"] in html
    assert p.content["recommended_action"]["action"] in _text(html, "package-timescale")
    for category, n in p.content["material"]["matched_files_by_category"].items():
        assert f'<td>{category}</td><td class="num">{n}</td>' in html
    assert 'id="approve-form"' not in html  # an analyst may not approve
    assert 'id="recipient-form"' in html  # but may choose the recipient


def test_drafter_is_refused_then_a_second_supervisor_approves_and_sends(wf: Workflow) -> None:
    ref = wf.draft(mine=False).reference
    own = wf.post("drafter", f"/packages/{ref}/approve")
    assert own.status_code == 409
    assert "a second person must approve it" in _text(own.text, "package-error")
    assert wf.row(ref).status == "draft"
    ok = wf.post("supervisor", f"/packages/{ref}/approve")
    assert ok.status_code == 303
    row = wf.row(ref)
    assert (row.status, row.approved_by) == ("approved", "wf-supervisor")
    nokey = wf.post("supervisor", f"/packages/{ref}/send")
    assert nokey.status_code == 409
    assert "refusing to send a package in clear" in nokey.text
    outbox = wf.op.settings.data_dir / "outbox"
    assert not any(outbox.rglob(f"{ref}*")), "nothing written in clear"
    identity = _key(wf, row.recipient_id)
    assert wf.post("supervisor", f"/packages/{ref}/send").status_code == 303
    sent = wf.row(ref)
    assert sent.status == "sent" and sent.sent_by == "wf-supervisor"
    sealed = Path(sent.sent_path).read_bytes()
    assert pyrage.decrypt(sealed, [identity])  # sealed to the recipient's key
    approvals = [e for e in wf.events("package.approve") if e.target == ref]
    assert [e.actor for e in approvals] == ["wf-supervisor"]
    requests = [e for e in wf.events("web.packages.send") if e.target == f"/packages/{ref}/send"]
    assert len(requests) == 2 and {e.actor for e in requests} == {"wf-supervisor"}


def test_change_recipient_and_an_unknown_one_refused(wf: Workflow) -> None:
    ref = wf.draft(mine=False).reference
    bad = wf.post("analyst", f"/packages/{ref}/recipient", {"recipient": "atlantis"})
    assert bad.status_code == 409 and "unknown recipient" in bad.text
    assert (
        wf.post("analyst", f"/packages/{ref}/recipient", {"recipient": "agency"}).status_code == 303
    )
    row = wf.row(ref)
    assert (row.recipient_id, row.recipient_kind, row.recipient_chosen_by) == (
        "agency",
        "agency",
        "wf-analyst",
    )


def _sent_for_officer(wf: Workflow) -> str:
    """A package of the officer's force taken to sent by the supervisor through the API."""
    ref = wf.draft(mine=True).reference
    c = wf.client("supervisor")
    headers = {"x-csrf-token": csrf_of(c)}
    assert c.post(f"/api/v1/packages/{ref}/approve", headers=headers).json()["status"] == "approved"
    _key(wf, wf.row(ref).recipient_id)
    assert c.post(f"/api/v1/packages/{ref}/send", headers=headers).json()["status"] == "sent"
    return ref


def test_officer_acknowledges_and_records_outcomes_refused_as_the_cli_refuses(
    wf: Workflow,
) -> None:
    ref = _sent_for_officer(wf)
    officer = wf.client("officer")
    portal = officer.get("/portal").text
    shown = set(re.findall(r'<tr data-reference="([^"]+)"', portal))
    with wf.op.store.session() as s:
        mine = set(
            s.scalars(
                select(IntelPackage.reference).where(
                    IntelPackage.force_id == wf.users["officer"].force_id
                )
            )
        )
    assert shown == mine and ref in shown
    assert (
        wf.post("officer", f"/packages/{ref}/acknowledge", {"step": "acknowledged"}).status_code
        == 303
    )
    assert wf.row(ref).status == "acknowledged"
    today = datetime.now(UTC).date()
    refusals = {
        "is in the future": {"kind": "arrest", "occurred_on": str(today + timedelta(days=2))},
        "a conviction without an earlier charge": {
            "kind": "convicted",
            "occurred_on": str(today),
            "sentence": "3 years",
        },
        "a charge needs the offences charged": {"kind": "charged", "occurred_on": str(today)},
        "not a date": {"kind": "arrest", "occurred_on": "yesterday"},
    }
    for why, form in refusals.items():
        r = wf.post("officer", f"/packages/{ref}/outcomes", form)
        assert r.status_code == 409 and why in _text(r.text, "package-error"), why
    before = summarise(wf.op.store, wf.op.name).arrests
    ok = wf.post(
        "officer", f"/packages/{ref}/outcomes", {"kind": "arrest", "occurred_on": str(today)}
    )
    assert ok.status_code == 303
    assert summarise(wf.op.store, wf.op.name).arrests == before + 1
    with wf.op.store.session() as s:
        (o,) = s.scalars(select(Outcome).join(IntelPackage).where(IntelPackage.reference == ref))
        assert (o.kind, o.recorded_by, o.source) == ("arrest", "wf-officer", "web")
    assert [e.actor for e in wf.events("outcome.record") if e.target == ref] == ["wf-officer"]
    posted = [
        e for e in wf.events("web.outcomes.record") if e.target == f"/packages/{ref}/outcomes"
    ]
    assert len(posted) == len(refusals) + 1  # every request audited, refused or not
    page = officer.get(f"/packages/{ref}").text
    assert 'data-kind="arrest"' in page and wf.row(ref).status == "actioned"


def test_officer_reaches_no_other_force(wf: Workflow) -> None:
    force = wf.users["officer"].force_id
    other = next(p.reference for p in wf.drafts() if p.force_id != force)
    officer = wf.client("officer")
    assert officer.get(f"/packages/{other}").status_code == 404
    assert officer.get(f"/api/v1/packages/{other}/outcomes").status_code == 404
    r = wf.post(
        "officer", f"/packages/{other}/outcomes", {"kind": "arrest", "occurred_on": "2020-01-01"}
    )
    assert r.status_code == 404
    listed = officer.get(f"/operations/{wf.op.name}/packages").text
    assert other not in listed


def test_packages_list_filters_by_status_and_force(wf: Workflow) -> None:
    c = wf.client("analyst")
    with wf.op.store.session() as s:
        rows = list(
            s.execute(select(IntelPackage.reference, IntelPackage.status, IntelPackage.force_id))
        )
    drafts = {r for r, st, _ in rows if st == "draft"}
    page = c.get(f"/operations/{wf.op.name}/packages?status=draft").text
    assert set(re.findall(r'data-reference="([^"]+)" data-status="draft"', page)) == drafts
    force = rows[0][2]
    page = c.get(f"/operations/{wf.op.name}/packages?force={force}").text
    shown = set(re.findall(r'data-reference="([^"]+)"', page))
    assert {r for r, _, f in rows if f == force} <= shown


def test_api_outcomes_round_trip(wf: Workflow) -> None:
    ref = _sent_for_officer(wf)
    officer = wf.client("officer")
    headers = {"x-csrf-token": csrf_of(officer)}
    day = str(datetime.now(UTC).date())
    assert (
        officer.post(f"/api/v1/packages/{ref}/acknowledge", json={}, headers=headers).status_code
        == 200
    )
    body = {"kind": "children_safeguarded", "occurred_on": day, "count": 3, "serious_risk": 1}
    r = officer.post(f"/api/v1/packages/{ref}/outcomes", json=body, headers=headers)
    assert r.status_code == 200, r.text
    assert (r.json()["count"], r.json()["serious_risk"], r.json()["source"]) == (3, 1, "web")
    too_many = {**body, "serious_risk": 4}
    refused = officer.post(f"/api/v1/packages/{ref}/outcomes", json=too_many, headers=headers)
    assert refused.status_code == 409 and "between 0 and the count" in refused.json()["detail"]
    listed = officer.get(f"/api/v1/packages/{ref}/outcomes").json()
    assert [o["kind"] for o in listed] == ["children_safeguarded"]


def test_dashboard_shows_the_outcome_figures_and_chart_data(wf: Workflow) -> None:
    from safeguard.package import lifecycle
    from safeguard.track import record_outcome

    p = wf.draft(mine=False)
    lifecycle.approve(wf.op.store, wf.op.name, p.reference, user="wf-supervisor")
    _key(wf, p.recipient_id)
    lifecycle.send(wf.op.store, wf.op.settings, wf.op.name, p.reference, user="wf-supervisor")
    day = datetime.now(UTC).date()
    for kind in ("arrest", "search", "devices_examined"):
        record_outcome(wf.op.store, wf.op.name, p.reference, kind, day, count=2, user="t")
    html = wf.client("analyst").get(f"/operations/{wf.op.name}").text
    s = summarise(wf.op.store, wf.op.name)
    assert s.arrests >= 2 and s.properties_searched >= 2 and s.devices_examined >= 2
    figures = {
        "fig-disseminated": s.disseminated,
        "fig-acknowledged": s.acknowledged,
        "fig-arrests": s.arrests,
        "fig-charged": s.charged,
        "fig-convicted": s.convicted,
        "fig-children": s.children_safeguarded,
        "fig-searched": s.properties_searched,
        "fig-devices": s.devices_examined,
    }
    for element_id, n in figures.items():
        assert _text(html, element_id) == f"{n:,}", element_id
    data = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', html, re.S)
    assert data and '"arrest":' in data.group(1)
    assert 'id="outcome-chart"' in html and 'id="status-chart"' in html


def test_the_api_offers_every_outcome_kind() -> None:
    from typing import get_args

    from safeguard.track.outcomes import OUTCOME_KINDS
    from safeguard.web.schemas import OutcomeKind

    assert get_args(OutcomeKind) == OUTCOME_KINDS


def test_the_summary_api_is_the_cli_summary(wf: Workflow) -> None:
    from dataclasses import fields

    from safeguard.track import OperationSummary
    from safeguard.web.schemas import SummaryOut

    assert list(SummaryOut.model_fields) == [f.name for f in fields(OperationSummary)]
    got = wf.client("analyst").get(f"/api/v1/operations/{wf.op.name}/summary").json()
    assert got == summarise(wf.op.store, wf.op.name).to_json()


def test_every_form_needs_the_csrf_token(wf: Workflow) -> None:
    ref = wf.draft(mine=False).reference
    c = wf.client("supervisor")
    for step, data in [("approve", {}), ("recipient", {"recipient": "agency"})]:
        r = c.post(f"/packages/{ref}/{step}", data=data, follow_redirects=False)
        assert r.status_code == 403 and "CSRF" in r.text
    row = wf.row(ref)
    assert row.status == "draft" and row.recipient_chosen_by == ""
