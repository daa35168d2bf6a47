"""The dissemination path end to end at small scale: scripts/demo_dissemination.py, whose
every step checks what it must have done (and raises CheckFailed otherwise)."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import select

from safeguard.store.models import IntelPackage
from tests.support.operation import build_small_operation

SCRIPT = Path(__file__).parents[2] / "scripts" / "demo_dissemination.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_dissemination", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_out_and_back_on_a_small_operation(tmp_path: Path) -> None:
    """For two recipients, as ``make demo`` does (the others' drafts must stay untouched)."""
    op = build_small_operation(tmp_path, accounts=150)
    with op.store.session() as s:
        counts = Counter(s.scalars(select(IntelPackage.recipient_id)))
    op.store.dispose()
    two = {r for r, _ in counts.most_common(2)}
    demo = _script()
    timings = demo.run(op.settings.data_dir, op.name, two)
    assert list(timings) == [
        "keys",
        "approve",
        "send in batches",
        "verify",
        "tamper",
        "batch again",
        "acknowledge",
        "outcomes",
        "summary and report",
        "re-run after outcomes",
    ]


def test_a_check_that_fails_stops_the_script(tmp_path: Path) -> None:
    demo = _script()
    with pytest.raises(demo.CheckFailed, match="expected"):
        demo.check(False, "expected")
