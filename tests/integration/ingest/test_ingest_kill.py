"""A process killed mid-ingest (kill -9) leaves no partial delivery; a re-run completes it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from safeguard.config import Settings
from safeguard.ingest import run
from safeguard.ingest.testing import write_manifest, write_table
from safeguard.store.db import Store
from safeguard.store.models import Account, Delivery, LoginEvent, StageRun

SCRIPT = """
import sys
from pathlib import Path
from safeguard.config import Settings
from safeguard.ingest import run
from safeguard.store.db import Store
store = Store.open_url(sys.argv[1])
run(store, Settings(data_dir=Path(sys.argv[2])), Path(sys.argv[3]), "op")
"""


def _big_delivery(root: Path, logins: int) -> Path:
    root.mkdir()
    write_table(root / "accounts.csv", [{"account_id": f"a{i}"} for i in range(1000)])
    with (root / "logins.csv").open("w") as fh:
        fh.write("account_id,timestamp,ip\n")
        fh.writelines(f"a{i % 1000},2020-01-01T00:00:00Z,10.0.{i % 250}.1\n" for i in range(logins))
    write_manifest(root, ["accounts.csv", "logins.csv"])
    return root


def _count(store: Store, model: object) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


def test_kill_9_mid_ingest_leaves_nothing_and_rerun_completes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/t.db"
    store = Store.open_url(url)
    delivery = _big_delivery(tmp_path / "d", 250_000)
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, url, str(tmp_path / "data"), str(delivery)]
    )
    try:
        deadline = time.monotonic() + 60
        while _count(store, StageRun) == 0 and time.monotonic() < deadline:
            assert proc.poll() is None, "ingest finished before it could be killed"
            time.sleep(0.05)
        time.sleep(0.3)
        assert proc.poll() is None, "ingest finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    assert [_count(store, m) for m in (Delivery, Account, LoginEvent)] == [0, 0, 0]
    result = run(store, Settings(data_dir=tmp_path / "data"), delivery, "op")
    assert result.created and result.tables["logins.csv"]["accepted"] == 250_000
    assert _count(store, LoginEvent) == 250_000
    with store.session() as s:
        statuses = [r.status for r in s.scalars(select(StageRun).order_by(StageRun.id))]
    assert statuses == ["interrupted", "ok"]
