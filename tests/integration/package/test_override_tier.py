"""A package carries the tier in force: an analyst's override lifts (or lowers) it, and the
computed tier stays on record beside it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from safeguard import package
from safeguard.assess import overrides
from safeguard.records import Tier
from safeguard.store.models import Assessment, Attribution, IntelPackage, Subject
from tests.support.operation import SmallOperation, build_small_operation


@pytest.fixture(scope="module")
def op(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmallOperation]:
    op = build_small_operation(tmp_path_factory.mktemp("override-tier"), accounts=150)
    yield op
    op.store.dispose()


def test_an_override_to_tier_1_drafts_a_tier_1_package(op: SmallOperation) -> None:
    op_id = op.store.operation_id(op.name)
    with op.store.session() as s:
        label = s.scalars(
            select(Subject.label)
            .join(Assessment, Assessment.subject_id == Subject.id)
            .join(Attribution, Attribution.subject_id == Subject.id)
            .where(Assessment.tier == "4", Attribution.force_id.is_not(None))
            .where(Attribution.confidence != "none")
            .order_by(Subject.label)
        ).first()
        assert label is not None
        unpackaged = s.scalar(select(IntelPackage.id).join(Subject).where(Subject.label == label))
    assert unpackaged is None  # tier 4 gets no package
    overrides.override(
        op.store,
        op_id,
        label,
        Tier.T1,
        justification="teacher, per local intelligence",
        author="analyst",
    )
    package.run(op.store, op.settings, op.name)
    with op.store.session() as s:
        p = s.scalar(select(IntelPackage).join(Subject).where(Subject.label == label))
    assert p is not None and p.tier == "1"
    assert p.content["priority"]["tier"] == "1"
    assert p.content["priority"]["computed_tier"] == "4"
