"""Indexes (and PostgreSQL foreign keys) dropped for a big load are back after it, and
after a failed one; the rebuild shows as its own progress step."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from safeguard.config import Settings
from safeguard.ingest import run
from safeguard.ingest.indexes import DEFERRED_TABLES
from safeguard.ingest.testing import write_platform_export
from safeguard.store.db import Store
from tests.support.progress import RecordingProgress

LOGINS = [{"account_id": "a1", "timestamp": f"2020-01-01T00:00:{i:02}Z", "ip": f"10.0.0.{i}"}
          for i in range(1, 40)]  # fmt: skip
_TABLES = "('identifier', 'login_event', 'file_event', 'message')"
_SQLITE = (
    "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    f" AND tbl_name IN {_TABLES}"
)
_POSTGRES = (
    f"SELECT indexname FROM pg_indexes WHERE tablename IN {_TABLES} UNION ALL"
    " SELECT conname FROM pg_constraint WHERE contype = 'f'"
    f" AND conrelid::regclass::text IN {_TABLES}"
)


def _deferrable(store: Store) -> set[str]:
    query = _POSTGRES if store.dialect == "postgresql" else _SQLITE
    with store.transaction() as conn:
        return {r[0] for r in conn.execute(text(query))}


def _uses_index(store: Store) -> bool:
    if store.dialect != "sqlite":
        return True
    with store.transaction() as conn:
        plan = conn.execute(
            text("EXPLAIN QUERY PLAN SELECT * FROM login_event WHERE account_id = 1")
        ).all()
    return "INDEX" in " ".join(str(r[-1]) for r in plan)


def test_indexes_and_keys_are_rebuilt_after_a_load_and_kept_after_a_failure(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _deferrable(store)
    assert before and len(DEFERRED_TABLES) == 4
    if store.dialect == "postgresql":
        assert any(name.startswith("fk_") for name in before)
    settings = Settings(data_dir=tmp_path / "data")
    src = write_platform_export(tmp_path / "d", {"accounts": [{"account_id": "a1"}],
                                                 "logins": LOGINS})  # fmt: skip
    steps = RecordingProgress()
    result = run(store, settings, src, "op", progress=steps)
    assert result.records["login_events"] == 39
    assert _deferrable(store) == before
    assert _uses_index(store)
    rebuilt = [s for s in steps.started if s.startswith("ingest: rebuild indexes of ")]
    assert rebuilt[0].endswith("identifier, login_event")  # as soon as logins were done
    assert all(t in " ".join(rebuilt) for t in DEFERRED_TABLES)
    assert steps.started[-1] == "ingest: commit"

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(
        "safeguard.ingest.formats.platform_export.TABLES",
        (("accounts", boom),),
    )
    other = write_platform_export(tmp_path / "e", {"accounts": [{"account_id": "b1"}]})
    with pytest.raises(RuntimeError):
        run(store, settings, other, "op")
    assert _deferrable(store) == before
