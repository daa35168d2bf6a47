"""The CSV progress bar follows the batches the loader has finished with, not how far
pyarrow has read ahead, and ends exactly at the file's size."""

from __future__ import annotations

from pathlib import Path

import pytest

from safeguard.ingest import tables
from safeguard.ingest.tables import read_csv


def test_progress_follows_consumed_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tables, "_BLOCK_SIZE", 4096)
    path = tmp_path / "logins.csv"
    rows = "".join(f"acct{i},2020-01-01T00:00:00Z,10.0.{i % 250}.1\n" for i in range(5000))
    path.write_text("account_id,timestamp,ip\n" + rows)
    size = path.stat().st_size
    reported: list[int] = []
    seen_at_batch: list[int] = []
    lines = 0
    for batch in read_csv(path, reported.append):
        seen_at_batch.append(sum(reported))
        lines += batch.batch.num_rows
    assert lines == 5000
    assert len(seen_at_batch) > 10
    assert seen_at_batch[0] == 0  # nothing is done while the first batch is being handled
    assert seen_at_batch == sorted(seen_at_batch)
    assert seen_at_batch[len(seen_at_batch) // 2] < size * 0.75
    assert sum(reported) == size
