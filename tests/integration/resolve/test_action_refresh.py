"""After a split, merge or undo the changed subjects have a force and a tier again, and an
undo gives the restored subjects their original labels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from sqlalchemy import select, update
from typer.testing import CliRunner

from safeguard import assess, attribute
from safeguard.assess.queue import QueueFilter, queue_entries
from safeguard.config import Settings
from safeguard.refresh import refresh_subjects
from safeguard.resolve import merge, run, split, undo
from safeguard.store.db import Store
from safeguard.store.models import Assessment, Attribution, Subject, SubjectAccount
from tests.integration.resolve.builders import OpBuilder

#: Two accounts share a phone; their postcodes are in different forces.
POSTCODES = {"leeds": "LS1 4AP", "oxford": "OX1 2JD", "alone": "CF10 1AA"}


def _op(store: Store, tmp_path: Path) -> tuple[OpBuilder, Settings]:
    cfg = Settings(data_dir=tmp_path)
    b = OpBuilder(store)
    for pid, postcode in POSTCODES.items():
        b.account(pid, f"user_{pid}", declared_postcode=postcode)
    b.ident("leeds", "phone", "+447400123456")
    b.ident("oxford", "phone", "+447400123456")
    attribute.run(store, cfg, "op")
    run(store, cfg, "op")
    attribute.attribute_subjects(store, cfg, "op")
    assess.run(store, cfg, "op")
    return b, cfg


def _state(store: Store, b: OpBuilder) -> dict[str, tuple[str, str | None, bool]]:
    """Account → (its subject's label, the subject's force, whether it is assessed)."""
    ref = {v: k for k, v in b.ids.items()}
    with store.session() as s:
        rows = s.execute(
            select(SubjectAccount.account_id, Subject.label, Attribution.force_id, Assessment.id)
            .join(Subject, Subject.id == SubjectAccount.subject_id)
            .outerjoin(Attribution, Attribution.subject_id == Subject.id)
            .outerjoin(Assessment, Assessment.subject_id == Subject.id)
        )
        return {ref[a]: (label, force, assessed is not None) for a, label, force, assessed in rows}


def test_split_then_undo_refreshes_and_restores(store: Store, tmp_path: Path) -> None:
    b, cfg = _op(store, tmp_path)
    before = _state(store, b)
    assert before["leeds"][0] == before["oxford"][0]
    done = split(store, b.op_id, [b.ids["oxford"]], justification="two people", author="a")
    refresh_subjects(store, cfg, done.operation_id)
    after = _state(store, b)
    assert after["leeds"][1:] == ("west-yorkshire", True)
    assert after["oxford"][1:] == ("thames-valley", True)
    assert after["leeds"][0] != after["oxford"][0]
    back = undo(store, done.action_id, justification="same phone after all", author="b")
    refresh_subjects(store, cfg, back.operation_id)
    again = _state(store, b)
    assert {k: v[0] for k, v in again.items()} == {k: v[0] for k, v in before.items()}
    assert all(v[1] is not None and v[2] for v in again.values())


def test_undo_of_a_merge_gives_back_both_labels(store: Store, tmp_path: Path) -> None:
    b, cfg = _op(store, tmp_path)
    before = {k: v[0] for k, v in _state(store, b).items()}
    labels = sorted({before["leeds"], before["alone"]})
    done = merge(store, b.op_id, labels, justification="same person", author="a")
    refresh_subjects(store, cfg, done.operation_id)
    merged = _state(store, b)
    assert merged["alone"][0] == merged["leeds"][0] and merged["alone"][2]
    undo(store, done.action_id, justification="not the same", author="b")
    assert {k: v[0] for k, v in _state(store, b).items()} == before


def test_cli_action_refreshes(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safeguard.cli import subjects as verbs

    b, cfg = _op(store, tmp_path)
    monkeypatch.setattr(verbs, "open_store", lambda cfg=None: store)
    monkeypatch.setattr(verbs, "settings", lambda: cfg)
    app = typer.Typer()
    verbs.register(app)
    out = CliRunner().invoke(
        app, ["subjects", "split", "oxford", "-o", "op", "-j", "two people", "--json"]
    )
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert doc["refreshed"] == {"attributed": 3, "assessed": True} and doc["stale"] is None
    assert _state(store, b)["oxford"][1:] == ("thames-valley", True)


def test_the_queue_filters_on_the_attribution_the_attribute_stage_last_wrote(
    store: Store, tmp_path: Path
) -> None:
    """The queue's force filter reads the assessment's copy of the attribution: attributing
    the subjects again (without assessing) moves a subject to its new force's queue."""
    b, cfg = _op(store, tmp_path)

    def labels(force: str) -> list[str]:
        with store.session() as s:
            return [e.label for e in queue_entries(s, b.op_id, QueueFilter(force=force))]

    alone = _state(store, b)["alone"][0]
    assert alone in labels("south-wales") and alone not in labels("gwent")
    with store.session() as s:  # the account's own attribution changes (as a re-run can)
        s.execute(
            update(Attribution)
            .where(Attribution.account_id == b.ids["alone"])
            .values(force_id="gwent")
        )
    attribute.attribute_subjects(store, cfg, "op")
    assert alone in labels("gwent") and alone not in labels("south-wales")


def test_the_queue_filters_on_the_roles_the_network_last_had(store: Store, tmp_path: Path) -> None:
    """The queue's role filter reads the assessment's copy of the network roles: a re-run of
    resolve that rebuilds the network (without assessing) moves a subject into the filter."""
    b, cfg = _op(store, tmp_path)

    def labels(role: str) -> list[str]:
        with store.session() as s:
            return [e.label for e in queue_entries(s, b.op_id, QueueFilter(role=role))]

    alone = _state(store, b)["alone"][0]
    assert labels("first-uploader") == []
    b.transfer("alone", "upload", None, "never-seen-before", day=0)
    run(store, cfg, "op")
    assert _state(store, b)["alone"] == (alone, "south-wales", True), "the subject is kept"
    assert labels("first-uploader") == [alone]
    assert labels("distributor") == []
