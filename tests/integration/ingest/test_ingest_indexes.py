"""Indexes dropped for a big SQLite load are back after it, and after a failed one."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from safeguard.config import Settings
from safeguard.ingest import run
from safeguard.ingest.indexes import DEFERRED_TABLES
from safeguard.ingest.testing import write_platform_export
from safeguard.store.db import Store

LOGINS = [{"account_id": "a1", "timestamp": f"2020-01-01T00:00:{i:02}Z", "ip": f"10.0.0.{i}"}
          for i in range(1, 40)]  # fmt: skip


def _indexes(store: Store) -> set[str]:
    with store.transaction() as conn:
        rows = conn.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                 " AND tbl_name IN ('identifier', 'login_event', 'file_event', 'message')")
        )  # fmt: skip
        return {r[0] for r in rows}


def test_indexes_are_rebuilt_after_a_load_and_kept_after_a_failure(
    tmp_path: Path, sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _indexes(sqlite_store)
    assert before and len(DEFERRED_TABLES) == 4
    settings = Settings(data_dir=tmp_path / "data")
    src = write_platform_export(tmp_path / "d", {"accounts": [{"account_id": "a1"}],
                                                 "logins": LOGINS})  # fmt: skip
    result = run(sqlite_store, settings, src, "op")
    assert result.records["login_events"] == 39
    assert _indexes(sqlite_store) == before
    with sqlite_store.transaction() as conn:
        plan = conn.execute(
            text("EXPLAIN QUERY PLAN SELECT * FROM login_event WHERE ip = '10.0.0.5'")
        ).all()
    assert "INDEX" in " ".join(str(r[-1]) for r in plan)

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("safeguard.ingest.platform.events.load_logins", boom)
    monkeypatch.setattr(
        "safeguard.ingest.formats.platform_export.TABLES",
        (("accounts", boom),),
    )
    other = write_platform_export(tmp_path / "e", {"accounts": [{"account_id": "b1"}]})
    with pytest.raises(RuntimeError):
        run(sqlite_store, settings, other, "op")
    assert _indexes(sqlite_store) == before
