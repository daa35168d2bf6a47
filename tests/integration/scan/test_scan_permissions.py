"""Files and directories the examiner may not read are reported with the reason, and the
scan goes on. Run through the CLI in a process without the capabilities that let root
ignore permissions (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so it also holds as root."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def _command(*args: str) -> list[str]:
    cli = [str(Path(sys.executable).with_name("safeguard")), *args]
    if os.geteuid() != 0:
        return cli
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("setpriv (util-linux) is needed to drop root's permission override")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search", *cli]


def test_unreadable_file_and_directory_are_reported(tmp_path: Path) -> None:
    root = tmp_path / "dev"
    (root / "private").mkdir(parents=True)
    (root / "private" / "inside.txt").write_text("x")
    (root / "locked.txt").write_text("secret")
    (root / "open.txt").write_text("hello")
    os.chmod(root / "locked.txt", 0)
    os.chmod(root / "private", 0)
    env = {**os.environ, "SAFEGUARD_DATA_DIR": str(tmp_path / "data")}
    try:
        done = subprocess.run(
            _command("scan", str(root), "--device", "P-1", "--workers", "1", "--json"),
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        report = subprocess.run(
            _command("scan", "report", "P-1", "--json"),
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
    finally:
        os.chmod(root / "private", 0o755)
        os.chmod(root / "locked.txt", 0o644)
    problems = {
        p["path"]: (p["status"], p["reason"]) for p in json.loads(report.stdout)["problems"]
    }
    assert problems["locked.txt"] == ("error", "cannot open: Permission denied")
    assert problems["private"] == ("skipped", "cannot list directory: Permission denied")
    assert "open.txt" not in problems
    assert json.loads(done.stdout)["by_status"]["ok"] == 1
