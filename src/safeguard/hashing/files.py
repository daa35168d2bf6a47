"""MD5, SHA-1 and SHA-256 of a file in a single read."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from safeguard.progress import NULL_PROGRESS, Progress

__all__ = ["FileHashes", "hash_file", "sha256_file"]

_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileHashes:
    """The cryptographic hashes of one file, as lower-case hex, and its size in bytes."""

    md5: str
    sha1: str
    sha256: str
    size: int


def hash_file(path: Path) -> FileHashes:
    """Hash ``path`` with MD5, SHA-1 and SHA-256, reading it once in 1 MiB chunks.

    Raises ``OSError`` (e.g. ``FileNotFoundError``) when the file cannot be read.
    """
    md5 = hashlib.md5(usedforsecurity=False)
    sha1 = hashlib.sha1(usedforsecurity=False)
    sha256 = hashlib.sha256()
    buf = bytearray(_CHUNK)
    view = memoryview(buf)
    size = 0
    with Path(path).open("rb", buffering=0) as fh:
        while True:
            got = fh.readinto(buf)
            if not got:
                break
            chunk = view[:got]
            md5.update(chunk)
            sha1.update(chunk)
            sha256.update(chunk)
            size += got
    return FileHashes(md5.hexdigest(), sha1.hexdigest(), sha256.hexdigest(), size)


def sha256_file(path: Path, progress: Progress = NULL_PROGRESS) -> tuple[str, int]:
    """SHA-256 (lower-case hex) and size of a file, read in chunks, with a progress task."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh, progress.task(f"checksum {path.name}", path.stat().st_size) as t:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            t.advance(len(chunk))
    return digest.hexdigest(), size
