"""The code version recorded with every stage run: package version plus git commit if known."""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

from safeguard import __version__

__all__ = ["code_version"]


@cache
def code_version() -> str:
    """``0.1.0+g1a2b3c4`` in a git checkout (``.dirty`` if modified), else ``0.1.0``."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return __version__
    try:
        sha = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=10", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=5,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "-uno"],
            capture_output=True,
            text=True,
            check=True,
            timeout=5,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return __version__
    return f"{__version__}+g{sha}{'.dirty' if dirty.strip() else ''}"
