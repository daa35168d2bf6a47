"""The operation's figures count subjects by the tier in force: an analyst's override moves a
subject between tiers in ``summary`` as it does in the queue and in its package."""

from __future__ import annotations

from pathlib import Path

from safeguard.assess.overrides import override
from safeguard.records import Tier
from safeguard.store.db import Store
from safeguard.track import summarise
from tests.support.web import OWN_FORCE, build_world


def test_subjects_by_tier_follow_an_override(store: Store, tmp_path: Path) -> None:
    world = build_world(store, tmp_path)
    assert summarise(store, "webop").tiers == {"1": 1, "2": 1}  # as computed
    op_id = store.operation_id("webop")
    override(
        store, op_id, world.subjects[OWN_FORCE], Tier("3"), justification="seen before, no access",
        author="analyst",
    )  # fmt: skip
    assert summarise(store, "webop").tiers == {"2": 1, "3": 1}
