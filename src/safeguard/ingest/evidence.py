"""The evidence store: original delivery files, content-addressed and read-only."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

from safeguard.errors import StoreError

__all__ = ["keep"]


def keep(evidence_dir: Path, source: Path, sha256: str) -> Path:
    """Copy ``source`` to ``evidence_dir/ab/abcdef...`` (read-only) unless it is already kept.

    Returns the stored path. The digest is the caller's verified SHA-256 of ``source``.
    """
    target = evidence_dir / sha256[:2] / sha256
    if target.is_file():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{sha256}.{os.getpid()}.tmp")
        shutil.copyfile(source, tmp)
        tmp.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        os.replace(tmp, target)
    except OSError as exc:
        raise StoreError(f"cannot keep {source.name} in the evidence store: {exc}") from exc
    return target
