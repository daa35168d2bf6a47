"""Re-running a stage alone leaves the operation as a whole run would: resolution replaces the
subjects whose accounts changed (their attribution goes with them), so a re-run of
resolution attributes the subjects again before anything downstream reads them."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, select

from safeguard.pipeline import STAGES, rerun_stage
from safeguard.store.models import Attribution, Subject
from tests.support.operation import SmallOperation, build_small_operation


@pytest.fixture(scope="module")
def op(tmp_path_factory: pytest.TempPathFactory) -> Any:
    op = build_small_operation(tmp_path_factory.mktemp("stages"), accounts=150)
    yield op
    op.store.dispose()


def _placed(op: SmallOperation) -> dict[str, tuple[str | None, str | None, str]]:
    with op.store.session() as s:
        rows = s.execute(
            select(
                Subject.label, Attribution.country, Attribution.force_id, Attribution.confidence
            ).join(Attribution, Attribution.subject_id == Subject.id)
        )
        return {label: (country, force, conf) for label, country, force, conf in rows}


def test_a_resolution_rerun_attributes_the_subjects_it_replaced(op: SmallOperation) -> None:
    before = _placed(op)
    assert len(before) > 50
    with op.store.session() as s:  # as when resolution replaced every subject
        s.execute(delete(Attribution).where(Attribution.subject_id.is_not(None)))
    assert _placed(op) == {}
    assert rerun_stage(op.store, op.settings, "resolve", op.name) == ["resolve"]
    assert _placed(op) == before


def test_the_stages_are_in_pipeline_order() -> None:
    assert list(STAGES) == ["match", "attribute", "resolve", "assess", "package", "track"]
