"""The web app shows the operation as the store has it (to a logged-in analyst), serves
every asset itself, and 404s."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from safeguard.refdata import uk
from safeguard.store.models import Account, IntelPackage, Subject
from tests.support.operation import SmallOperation

ClientAs = Callable[[str], TestClient]


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


def test_overview_shows_the_operation_figures(
    small_operation: SmallOperation, client_as: ClientAs
) -> None:
    accounts, subjects, by_force = _store_figures(small_operation)
    truth = json.loads((small_operation.synth_dir / "ground_truth.json").read_text())
    assert accounts == truth["accounts"] and by_force
    page = client_as("analyst").get("/operations/small")
    assert page.status_code == 200
    html = page.text
    assert f'id="fig-accounts">{accounts:,}<' in html
    assert f'id="fig-subjects">{subjects:,}<' in html
    assert f'id="fig-packages">{sum(by_force.values()):,}<' in html
    forces = uk.forces()
    for force, n in by_force.items():
        assert f'<td title="{force}">{forces[force].name}</td><td class="num">{n:,}</td>' in html


def test_single_operation_redirects_from_the_root(client_as: ClientAs) -> None:
    r = client_as("analyst").get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/operations/small"


def test_queue_is_in_priority_order_with_reasons(client_as: ClientAs) -> None:
    queue = client_as("analyst").get("/api/v1/operations/small/queue?limit=50").json()
    assert queue
    keys = [(int(q["tier"]), -q["score"]) for q in queue]
    assert keys == sorted(keys)
    assert all(q["reasons"] for q in queue if q["tier"] in ("1", "2"))


def test_api_summary_gives_the_stores_figures(
    small_operation: SmallOperation, client_as: ClientAs
) -> None:
    accounts, subjects, by_force = _store_figures(small_operation)
    got = client_as("analyst").get("/api/v1/operations/small/summary").json()
    assert got["operation"] == "small" and got["deliveries"] == 1
    assert (got["accounts"], got["subjects"], got["packages_by_force"]) == (
        accounts,
        subjects,
        by_force,
    )
    assert sum(got["tiers"].values()) == subjects


def test_unknown_operation_is_404(client_as: ClientAs) -> None:
    client = client_as("analyst")
    assert client.get("/operations/nope").status_code == 404
    assert client.get("/api/v1/operations/nope/summary").status_code == 404


def test_pages_load_nothing_from_other_hosts(client_as: ClientAs) -> None:
    client = client_as("analyst")
    page = client.get("/operations/small")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    refs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert refs and all(r.startswith("/") for r in refs), refs
    for ref in refs:
        assert client.get(ref).status_code == 200, ref


def test_deliveries_and_hash_sets_pages_show_what_came_in(
    small_operation: SmallOperation, client_as: ClientAs
) -> None:
    from sqlalchemy import func, select

    from safeguard.store.models import Delivery, HashSet, QuarantinedRow

    with small_operation.store.session() as s:
        delivery_id = s.scalars(select(Delivery.id).order_by(Delivery.id)).first()
        n_quarantined = s.scalar(
            select(func.count()).where(QuarantinedRow.delivery_id == delivery_id)
        )
        set_names = s.scalars(select(HashSet.name)).all()
    client = client_as("analyst")
    assert f'href="/deliveries/{delivery_id}"' in client.get("/deliveries").text
    doc = client.get(f"/api/v1/deliveries/{delivery_id}").json()
    assert doc["quarantine_entries"] == n_quarantined
    assert len(doc["quarantined_rows"]) == min(n_quarantined or 0, 200)
    page = client.get(f"/deliveries/{delivery_id}").text
    assert f"Quarantined rows ({n_quarantined:,})" in page
    listed = {h["name"] for h in client.get("/api/v1/hashsets").json()}
    assert listed == set(set_names) and listed
    assert all(name in client.get("/hashsets").text for name in set_names)
