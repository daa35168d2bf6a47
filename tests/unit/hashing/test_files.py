from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from safeguard.hashing import FileHashes, hash_file
from safeguard.hashing.files import sha256_file


@pytest.mark.parametrize("size", [0, 1, (1 << 20) - 1, (1 << 20) + 1, 5 * (1 << 20) // 2])
def test_hash_file_agrees_with_hashlib_across_chunk_boundaries(tmp_path: Path, size: int) -> None:
    data = np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8).tobytes()
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    assert hash_file(path) == FileHashes(
        md5=hashlib.md5(data).hexdigest(),
        sha1=hashlib.sha1(data).hexdigest(),
        sha256=hashlib.sha256(data).hexdigest(),
        size=size,
    )
    assert sha256_file(path) == (hashlib.sha256(data).hexdigest(), size)


def test_missing_file_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        hash_file(tmp_path / "absent")
