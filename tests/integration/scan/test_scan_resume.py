"""A scan killed with SIGKILL mid-way resumes without redoing stored files, and its report
equals an uninterrupted scan's."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from safeguard.scan import scan_report
from safeguard.store.db import Store
from tests.integration.scan.conftest import body

_FILES = 500


def _tree(root: Path) -> None:
    rng = np.random.default_rng(5)
    for i in range(_FILES):
        sub = root / f"d{i % 7}"
        sub.mkdir(parents=True, exist_ok=True)
        if i % 3:
            (sub / f"f{i:04d}.txt").write_bytes(rng.bytes(2000 + i))
        else:
            pixels = rng.integers(0, 255, (96, 128, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(sub / f"p{i:04d}.jpg", quality=80)


def _cli(env: dict[str, str], *args: str, **kw: Any) -> subprocess.Popen[str]:
    cmd = [str(Path(sys.executable).with_name("safeguard")), *args]
    return subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw
    )


def _json(proc: subprocess.Popen[str]) -> Any:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return json.loads(out)


def _stored(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute("select count(*) from scan_file").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def _kill_when_some_are_stored(proc: subprocess.Popen[str], db: Path) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if _stored(db) > 0:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            return _stored(db)
        time.sleep(0.02)
    raise AssertionError("the scan finished before it could be killed")


@pytest.mark.slow
def test_kill_9_then_resume_reports_like_an_uninterrupted_scan(tmp_path: Path) -> None:
    _tree(tmp_path / "dev")
    env = {**os.environ, "SAFEGUARD_DATA_DIR": str(tmp_path / "data")}
    env.pop("SAFEGUARD_DATABASE_URL", None)
    db = tmp_path / "data" / "safeguard.db"
    scan = ["scan", str(tmp_path / "dev"), "--workers", "1", "--json"]
    first = _cli(env, *scan, "--device", "EX-A", start_new_session=True)
    stored = _kill_when_some_are_stored(first, db)
    assert 0 < stored < _FILES
    resumed = _json(_cli(env, *scan, "--device", "EX-A", "--resume"))
    assert resumed["files_done_before"] == stored
    assert resumed["items_processed"] == _FILES - stored  # nothing stored was redone
    whole = _json(_cli(env, *scan, "--device", "EX-B"))
    assert whole["files_done_before"] == 0 and whole["items_processed"] == _FILES
    store = Store.open_url(f"sqlite:///{db}")
    report_a, report_b = scan_report(store, "EX-A"), scan_report(store, "EX-B")
    assert report_a["scan"]["status"] == "complete"
    assert report_a["counts"]["files"] == _FILES
    assert body(report_a) == body(report_b)


def test_resume_without_an_unfinished_scan_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dev").mkdir()
    env = {**os.environ, "SAFEGUARD_DATA_DIR": str(tmp_path / "data")}
    proc = _cli(env, "scan", str(tmp_path / "dev"), "--device", "EX-C", "--resume")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 3
    assert "no unfinished scan of device 'EX-C'" in err
