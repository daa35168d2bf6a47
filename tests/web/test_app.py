"""The web app shows the operation as the store has it, serves every asset itself, and 404s."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from safeguard.refdata import uk
from safeguard.store.models import Account, IntelPackage, Subject
from safeguard.web import create_app
from tests.support.operation import SmallOperation


def _client(op: SmallOperation) -> TestClient:
    return TestClient(create_app(op.settings, op.store))


def _store_figures(op: SmallOperation) -> tuple[int, int, dict[str, int]]:
    """Accounts, subjects and packages by force, counted in the store with plain SQL."""
    with op.store.session() as s:
        accounts = s.scalar(select(func.count()).select_from(Account))
        subjects = s.scalar(select(func.count()).select_from(Subject))
        rows = s.execute(
            select(IntelPackage.force_id, func.count()).group_by(IntelPackage.force_id)
        )
        by_force = {str(force): int(n) for force, n in rows}
    return int(accounts or 0), int(subjects or 0), by_force


def test_overview_shows_the_operation_figures(small_operation: SmallOperation) -> None:
    accounts, subjects, by_force = _store_figures(small_operation)
    truth = json.loads((small_operation.synth_dir / "ground_truth.json").read_text())
    assert accounts == truth["accounts"] and by_force
    page = _client(small_operation).get("/operations/small")
    assert page.status_code == 200
    html = page.text
    assert f'id="fig-accounts">{accounts:,}<' in html
    assert f'id="fig-subjects">{subjects:,}<' in html
    assert f'id="fig-packages">{sum(by_force.values()):,}<' in html
    forces = uk.forces()
    for force, n in by_force.items():
        assert f'<td title="{force}">{forces[force].name}</td><td class="num">{n:,}</td>' in html


def test_single_operation_redirects_from_the_root(small_operation: SmallOperation) -> None:
    r = _client(small_operation).get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/operations/small"


def test_queue_is_in_priority_order_with_reasons(small_operation: SmallOperation) -> None:
    queue = _client(small_operation).get("/api/operations/small/queue?limit=50").json()
    assert queue
    keys = [(int(q["tier"]), -q["score"]) for q in queue]
    assert keys == sorted(keys)
    assert all(q["reasons"] for q in queue if q["tier"] in ("1", "2"))


def test_api_summary_gives_the_stores_figures(small_operation: SmallOperation) -> None:
    accounts, subjects, by_force = _store_figures(small_operation)
    got = _client(small_operation).get("/api/operations/small/summary").json()
    assert got["operation"] == "small" and got["deliveries"] == 1
    assert (got["accounts"], got["subjects"], got["packages_by_force"]) == (
        accounts,
        subjects,
        by_force,
    )
    assert sum(got["tiers"].values()) == subjects


def test_unknown_operation_is_404(small_operation: SmallOperation) -> None:
    client = _client(small_operation)
    assert client.get("/operations/nope").status_code == 404
    assert client.get("/api/operations/nope/summary").status_code == 404


def test_pages_load_nothing_from_other_hosts(small_operation: SmallOperation) -> None:
    client = _client(small_operation)
    page = client.get("/operations/small")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    refs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert refs and all(r.startswith("/") for r in refs), refs
    for ref in refs:
        assert client.get(ref).status_code == 200, ref
