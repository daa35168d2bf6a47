"""Small file helpers shared by the package modules: atomic writes and SHA-256."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["sha256_hex", "write_atomic"]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so a crash leaves either the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
