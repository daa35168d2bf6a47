"""The whole pipeline on a small synthetic operation: figures, records, idempotence, golden."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from safeguard.pipeline import run_pipeline, synth_inputs
from safeguard.refdata import uk
from safeguard.store.models import Account, IntelPackage, StageRun, Subject
from tests.support.operation import SmallOperation, build_small_operation
from tests.support.postgres import PostgresServer

GOLDEN = Path(__file__).parent / "golden" / "top_package.json"
STAGES = {"ingest", "match", "attribute", "resolve", "assess", "package", "track"}


def test_every_account_is_received_and_every_stage_recorded(
    small_operation: SmallOperation,
) -> None:
    s = small_operation.summary
    truth = json.loads((small_operation.synth_dir / "ground_truth.json").read_text())
    assert 0 < s.accounts <= truth["accounts"]
    assert s.uk_accounts > 0 and s.non_uk_accounts > 0
    assert 0 < s.subjects <= s.accounts
    assert sum(s.tiers.values()) == s.subjects
    with small_operation.store.session() as session:
        stages = {r.stage for r in session.scalars(select(StageRun)) if r.status == "ok"}
    assert stages >= STAGES


def test_packages_go_to_real_forces_and_carry_reasons(small_operation: SmallOperation) -> None:
    assert small_operation.summary.packages_by_force
    assert set(small_operation.summary.packages_by_force) <= set(uk.forces())
    with small_operation.store.session() as session:
        packages = session.scalars(select(IntelPackage)).all()
    for p in packages:
        body = json.loads(Path(p.path).read_text())
        assert body["classification"] == "OFFICIAL-SENSITIVE"
        assert body["priority"]["reasons"], "a prioritised subject must say why"
        assert body["attribution"]["force_id"] == p.force_id
        assert int(body["priority"]["tier"]) <= 3


def test_rerunning_the_pipeline_changes_nothing(small_operation: SmallOperation) -> None:
    before = small_operation.summary
    again = run_pipeline(
        small_operation.store,
        small_operation.settings,
        small_operation.name,
        synth_inputs(small_operation.synth_dir),
        user="tester",
    )
    assert again == before
    assert again.deliveries == 1


def test_top_package_matches_the_golden_file(small_operation: SmallOperation) -> None:
    with small_operation.store.session() as session:
        top = session.scalars(
            select(IntelPackage).order_by(IntelPackage.tier, IntelPackage.reference)
        ).first()
    assert top is not None
    body = json.loads(Path(top.path).read_text())
    if os.environ.get("SAFEGUARD_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(body, indent=2, sort_keys=True) + "\n")
    assert body == json.loads(GOLDEN.read_text())


@pytest.mark.postgres
def test_pipeline_runs_on_postgresql(tmp_path: Path, postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database("e2e_pipeline")
    op = build_small_operation(tmp_path, url=url, accounts=150)
    with op.store.session() as session:
        assert session.scalar(select(func.count()).select_from(Account)) == op.summary.accounts
        assert session.scalar(select(func.count()).select_from(Subject)) == op.summary.subjects
    assert op.summary.packages_by_force
    op.store.dispose()
