"""Re-running packaging after outcomes: never a crash, never a rewrite of a package that left
draft, and a linked supplementary draft exactly where the facts changed."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyrage
import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from safeguard import track
from safeguard.cli.main import app
from safeguard.package import keys, lifecycle
from safeguard.pipeline import rerun_stage, run_pipeline, synth_inputs
from safeguard.store.models import Assessment, IntelPackage
from tests.support.operation import SmallOperation, build_small_operation
from tests.support.postgres import PostgresServer


@pytest.fixture(scope="module")
def op(tmp_path_factory: pytest.TempPathFactory) -> Any:
    op = build_small_operation(tmp_path_factory.mktemp("rerun"), accounts=150)
    yield op
    op.store.dispose()


def _rows(op: SmallOperation) -> dict[str, dict[str, Any]]:
    with op.store.session() as s:
        return {
            p.reference: {
                "status": p.status,
                "sha256": p.sha256,
                "facts": p.facts_sha256,
                "supersedes": p.supersedes_id,
                "id": p.id,
                "subject": p.subject_id,
                "file": Path(p.path).read_bytes(),
            }
            for p in s.scalars(select(IntelPackage))
        }


def _send_and_record(op: SmallOperation, reference: str) -> None:
    other = dataclasses.replace(op.settings, user="supervisor")
    if not (op.settings.data_dir / "keys" / keys.PRIVATE_NAME).exists():
        keys.init_agency_key(op.settings)
    with op.store.session() as s:
        recipient = lifecycle.package(s, op.store.operation_id(op.name), reference).recipient_id
    identity = pyrage.x25519.Identity.generate()
    keys.set_recipient_key(op.store, recipient, str(identity.to_public()), user="admin")
    lifecycle.approve(op.store, op.name, reference, user=other.user)
    lifecycle.send(op.store, other, op.name, reference, user=other.user)
    track.record_outcome(
        op.store, op.name, reference, "arrest", datetime.now(UTC).date(), user="officer"
    )


def test_rerun_after_an_outcome_keeps_the_actioned_package(op: SmallOperation) -> None:
    before = _rows(op)
    first, second = sorted(before)[:2]
    _send_and_record(op, first)
    lifecycle.approve(op.store, op.name, second, user="supervisor")
    for stage, downstream in (("package", False), ("assess", True)):
        rerun_stage(op.store, op.settings, stage, op.name, downstream=downstream)
    with pytest.MonkeyPatch.context() as mp:  # the commands that crashed
        mp.setenv("SAFEGUARD_DATA_DIR", str(op.settings.data_dir))
        result = CliRunner().invoke(app, ["rerun", "package", "-o", op.name])
        assert result.exit_code == 0, result.output
    run_pipeline(op.store, op.settings, op.name, synth_inputs(op.synth_dir), user="tester")
    after = _rows(op)
    assert set(after) == set(before), "unchanged facts: no supplementary package"
    assert after[first]["status"] == "actioned"
    assert after[second]["status"] == "approved"
    for ref in (first, second):
        assert after[ref]["file"] == before[ref]["file"]
        assert after[ref]["sha256"] == before[ref]["sha256"]


def test_changed_facts_draft_a_linked_supplementary_version(op: SmallOperation) -> None:
    drafts = [r for r, v in sorted(_rows(op).items()) if v["status"] == "draft"]
    sent, draft = drafts[-1], drafts[-2]
    _send_and_record(op, sent)
    before = _rows(op)
    with op.store.transaction() as conn:  # the facts under two packages change
        for ref in (sent, draft):
            conn.execute(
                update(Assessment)
                .where(Assessment.subject_id == before[ref]["subject"])
                .values(reasons=[{"code": "test.changed", "text": "new fact", "weight": 1}])
            )
    rerun_stage(op.store, op.settings, "package", op.name)
    after = _rows(op)
    assert set(after) - set(before) == {f"{sent}-v2"}
    supplement = after[f"{sent}-v2"]
    assert supplement["status"] == "draft"
    assert supplement["supersedes"] == before[sent]["id"]
    assert b'"supersedes":"' + sent.encode() + b'"' in supplement["file"]
    assert after[sent]["file"] == before[sent]["file"], "the sent package is never rewritten"
    assert after[draft]["id"] == before[draft]["id"], "a draft is updated in place"
    assert after[draft]["facts"] != before[draft]["facts"]
    unchanged = [r for r in before if r not in (sent, draft)]
    assert all(after[r]["sha256"] == before[r]["sha256"] for r in unchanged)


@pytest.mark.postgres
def test_rerun_after_an_outcome_on_postgresql(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    url = postgres_server.create_database("package_rerun")
    pg = build_small_operation(tmp_path, url=url, accounts=150)
    try:
        reference = sorted(_rows(pg))[0]
        _send_and_record(pg, reference)
        before = _rows(pg)
        rerun_stage(pg.store, pg.settings, "assess", pg.name, downstream=True)
        after = _rows(pg)
        assert set(after) == set(before) and after[reference] == before[reference]
        assert track.summarise(pg.store, pg.name).arrests == 1
    finally:
        pg.store.dispose()


def test_the_analysts_recipient_choice_survives_a_rerun(op: SmallOperation) -> None:
    drafts = [r for r, v in sorted(_rows(op).items()) if v["status"] == "draft"]
    ref = drafts[0]
    lifecycle.set_recipient(op.store, op.name, ref, "agency", user="analyst")
    chosen = _rows(op)[ref]
    assert b'"recipient":{"id":"agency"' in chosen["file"], "the draft file follows at once"
    rerun_stage(op.store, op.settings, "package", op.name)
    with op.store.session() as s:
        p = lifecycle.package(s, op.store.operation_id(op.name), ref)
        assert (p.recipient_kind, p.recipient_id, p.recipient_chosen_by) == (
            "agency",
            "agency",
            "analyst",
        )
        assert Path(p.path).parent.name == "agency"
        assert b'"recipient":{"id":"agency"' in Path(p.path).read_bytes()
        assert p.suggested_recipient != "" and p.content["suggested_recipient"]["reason"]
        assert p.sha256 == chosen["sha256"], "re-running rewrote nothing"
