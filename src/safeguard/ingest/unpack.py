"""Safe unpacking of ``.zip`` and ``.tar.gz`` deliveries into a private temporary directory.

Refused (the whole delivery, with a clear message): absolute or ``..`` member names, links,
devices and other special members, more uncompressed bytes than ``archive_max_bytes`` and a
compression ratio above ``archive_max_ratio``. Limits are enforced on the bytes actually
written, not only on what the archive's headers claim.
"""

from __future__ import annotations

import shutil
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from safeguard.errors import DeliveryRejected

__all__ = ["ARCHIVE_SUFFIXES", "Limits", "is_archive", "unpacked"]

ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz")
_CHUNK = 1 << 20
_MAX_MEMBERS = 100_000


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_ratio: int


def is_archive(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(ARCHIVE_SUFFIXES)


def _member_path(root: Path, name: str) -> Path:
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or ":" in pure.parts[0]:
        raise DeliveryRejected(f"archive member {name!r} has an unsafe path")
    return root.joinpath(*pure.parts)


class _Budget:
    """Counts bytes written against the archive's limits."""

    def __init__(self, limits: Limits, compressed: int) -> None:
        self.limits = limits
        self.compressed = max(compressed, 1)
        self.written = 0

    def take(self, n: int) -> None:
        self.written += n
        if self.written > self.limits.max_bytes:
            raise DeliveryRejected(
                f"archive unpacks to more than {self.limits.max_bytes} bytes "
                "(SAFEGUARD_ARCHIVE_MAX_BYTES)"
            )
        if self.written > 1 << 20 and self.written / self.compressed > self.limits.max_ratio:
            raise DeliveryRejected(
                f"archive compression ratio exceeds {self.limits.max_ratio} "
                "(SAFEGUARD_ARCHIVE_MAX_RATIO): refusing a possible zip bomb"
            )


def _copy(src: IO[bytes], target: Path, budget: _Budget) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise DeliveryRejected(f"archive holds {target.name!r} twice")
    with target.open("wb") as out:
        while chunk := src.read(_CHUNK):
            budget.take(len(chunk))
            out.write(chunk)


def _unzip(path: Path, root: Path, limits: Limits) -> None:
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        if len(infos) > _MAX_MEMBERS:
            raise DeliveryRejected(f"archive has more than {_MAX_MEMBERS} members")
        budget = _Budget(limits, path.stat().st_size)
        for info in infos:
            mode = info.external_attr >> 16
            kind = stat.S_IFMT(mode)
            if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
                raise DeliveryRejected(
                    f"archive member {info.filename!r} is a link or special file"
                )
            if info.compress_size and info.file_size / info.compress_size > limits.max_ratio:
                raise DeliveryRejected(
                    f"archive member {info.filename!r} compression ratio exceeds "
                    f"{limits.max_ratio} (SAFEGUARD_ARCHIVE_MAX_RATIO)"
                )
            target = _member_path(root, info.filename)
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            with zf.open(info) as src:
                _copy(src, target, budget)


def _untar(path: Path, root: Path, limits: Limits) -> None:
    budget = _Budget(limits, path.stat().st_size)
    with tarfile.open(path, mode="r:gz") as tf:
        for count, member in enumerate(tf):
            if count >= _MAX_MEMBERS:
                raise DeliveryRejected(f"archive has more than {_MAX_MEMBERS} members")
            target = _member_path(root, member.name)
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            if not member.isfile():
                raise DeliveryRejected(f"archive member {member.name!r} is a link or special file")
            src = tf.extractfile(member)
            assert src is not None
            with src:
                _copy(src, target, budget)


def _delivery_root(root: Path) -> Path:
    """The unpacked root, or its single top-level directory when everything is inside one."""
    entries = [p for p in root.iterdir() if not p.name.startswith("__MACOSX")]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return root


@contextmanager
def unpacked(path: Path, limits: Limits) -> Iterator[Path]:
    """Yield a directory holding the archive's contents; removed afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix="safeguard-unpack-"))
    try:
        try:
            if path.name.lower().endswith(".zip"):
                _unzip(path, tmp, limits)
            else:
                _untar(path, tmp, limits)
        except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as exc:
            raise DeliveryRejected(f"{path.name}: cannot be unpacked: {exc}") from exc
        yield _delivery_root(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
