"""Analysts' splits and merges: justified, audited, reversible, and they survive re-runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from safeguard.config import Settings
from safeguard.errors import ActionRefused, NotFoundError
from safeguard.resolve import merge, run, split, undo
from safeguard.store.audit import verify
from safeguard.store.db import Store
from safeguard.store.models import AuditEvent, Subject, SubjectAccount, SubjectAction
from tests.integration.resolve.builders import OpBuilder


def _op(store: Store, tmp_path: Path) -> OpBuilder:
    b = OpBuilder(store)
    for pid in ("a1", "a2", "a3"):
        b.account(pid, f"u_{pid}")
        b.ident(pid, "phone", "+447700900123")
    b.account("b1", "other1")
    b.account("b2", "other2")
    run(store, Settings(data_dir=tmp_path), "op")
    return b


def _label(store: Store, account_id: int) -> str:
    with store.session() as s:
        return s.execute(
            select(Subject.label)
            .join(SubjectAccount, SubjectAccount.subject_id == Subject.id)
            .where(SubjectAccount.account_id == account_id)
        ).scalar_one()


def test_split_is_recorded_audited_and_survives_rerun(store: Store, tmp_path: Path) -> None:
    b = _op(store, tmp_path)
    a1, a2, a3 = b.ids["a1"], b.ids["a2"], b.ids["a3"]
    before = _label(store, a1)
    done = split(store, b.op_id, [a3], justification="different DOB on file", author="alice")
    assert _label(store, a1) == _label(store, a2) == before, "the rest keeps its label"
    assert _label(store, a3) != before
    run(store, Settings(data_dir=tmp_path), "op")
    assert _label(store, a3) != _label(store, a1), "the split outlives automatic clustering"
    with store.session() as s:
        action = s.get(SubjectAction, done.action_id)
        assert action is not None
        assert (action.action, action.author, action.account_ids) == ("split", "alice", [a3])
        event = s.get(AuditEvent, done.audit_event_id)
        assert event is not None and event.action == "subject.split"
        assert event.detail["justification"] == "different DOB on file"
        assert verify(s) is None


def test_undo_restores_and_keeps_history(store: Store, tmp_path: Path) -> None:
    b = _op(store, tmp_path)
    a1, a3 = b.ids["a1"], b.ids["a3"]
    done = split(store, b.op_id, [a3], justification="looks different", author="alice")
    undone = undo(store, done.action_id, justification="same phone is conclusive", author="bob")
    assert _label(store, a3) == _label(store, a1)
    run(store, Settings(data_dir=tmp_path), "op")
    assert _label(store, a3) == _label(store, a1), "an undone split is not re-applied"
    with store.session() as s:
        original = s.get(SubjectAction, done.action_id)
        assert original is not None and original.reverted_by == undone.action_id
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == 2
        assert verify(s) is None
    with pytest.raises(ActionRefused, match="already undone"):
        undo(store, done.action_id, justification="again", author="bob")


def test_merge_joins_subjects_and_survives_rerun(store: Store, tmp_path: Path) -> None:
    b = _op(store, tmp_path)
    b1, b2 = b.ids["b1"], b.ids["b2"]
    labels = [_label(store, b1), _label(store, b2)]
    merge(store, b.op_id, labels, justification="same person per checks", author="alice")
    assert _label(store, b1) == _label(store, b2)
    run(store, Settings(data_dir=tmp_path), "op")
    assert _label(store, b1) == _label(store, b2)


def test_refusals_change_nothing(store: Store, tmp_path: Path) -> None:
    b = _op(store, tmp_path)
    a1, a2, a3, b1 = (b.ids[k] for k in ("a1", "a2", "a3", "b1"))
    with pytest.raises(ActionRefused, match="justification"):
        split(store, b.op_id, [a3], justification="  ", author="alice")
    with pytest.raises(ActionRefused, match="no other accounts"):
        split(store, b.op_id, [a1, a2, a3], justification="x", author="alice")
    with pytest.raises(ActionRefused, match="one subject"):
        split(store, b.op_id, [a1, b1], justification="x", author="alice")
    with pytest.raises(ActionRefused, match="two different"):
        merge(store, b.op_id, [_label(store, a1)], justification="x", author="alice")
    with pytest.raises(NotFoundError):
        merge(store, b.op_id, ["S-999999", _label(store, a1)], justification="x", author="a")
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(SubjectAction)) == 0
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == 0
