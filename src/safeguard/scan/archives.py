"""Members of zip and tar archives found on a device, read as streams under bomb limits.

Unlike a delivery (``ingest/unpack.py``, which refuses a whole archive), a device archive
is scanned as far as it safely goes: each member is a file of its own; a member whose
declared compression ratio exceeds the limit, or whose bytes would take the archive past
its total, is reported with the reason and the rest of the archive is not expanded.
The limits are the delivery ones (``SAFEGUARD_ARCHIVE_MAX_BYTES``,
``SAFEGUARD_ARCHIVE_MAX_RATIO``), enforced on the bytes actually read.
"""

from __future__ import annotations

import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from safeguard.ingest.unpack import Limits

__all__ = ["ArchiveLimitError", "Budget", "Member", "archive_members", "safe_text"]

_MAX_MEMBERS = 100_000
_RATIO_GRACE = 1 << 20


class ArchiveLimitError(Exception):
    """Reading further would break the archive's bomb limits."""


def safe_text(name: str) -> str:
    """A member name as storable text: undecodable bytes shown as ``\\xNN``."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


class Budget:
    """Bytes read from one archive (and the archives inside it) against its limits."""

    def __init__(self, limits: Limits, compressed: int) -> None:
        self.limits = limits
        self.compressed = max(compressed, 1)
        self.read = 0

    def take(self, n: int) -> None:
        self.read += n
        if self.read > self.limits.max_bytes:
            raise ArchiveLimitError(
                f"decompression bomb: archive expands past {self.limits.max_bytes} bytes "
                "(SAFEGUARD_ARCHIVE_MAX_BYTES)"
            )
        if self.read > _RATIO_GRACE and self.read / self.compressed > self.limits.max_ratio:
            raise ArchiveLimitError(
                f"decompression bomb: archive expands more than {self.limits.max_ratio} times "
                "(SAFEGUARD_ARCHIVE_MAX_RATIO)"
            )


class _Metered:
    """A member stream whose reads are charged to the budget."""

    def __init__(self, stream: IO[bytes], budget: Budget) -> None:
        self._stream = stream
        self._budget = budget

    def read(self, n: int) -> bytes:
        data = self._stream.read(n)
        self._budget.take(len(data))
        return data


@dataclass(frozen=True)
class Member:
    """One member: its name, declared size and time, and either a stream or a problem."""

    name: str
    size: int | None
    mtime: float | None
    stream: _Metered | None = None
    problem: str | None = None


def _zip_members(fh: IO[bytes], budget: Budget) -> Iterator[Member]:
    with zipfile.ZipFile(fh) as zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > _MAX_MEMBERS:
            raise ArchiveLimitError(f"archive has more than {_MAX_MEMBERS} members")
        for info in infos:
            name = safe_text(info.filename)
            when = datetime(*info.date_time).timestamp() if info.date_time[0] >= 1980 else None
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > _RATIO_GRACE and ratio > budget.limits.max_ratio:
                raise ArchiveLimitError(
                    f"decompression bomb: member {name!r} declares a compression ratio of "
                    f"{ratio:.0f} (SAFEGUARD_ARCHIVE_MAX_RATIO {budget.limits.max_ratio})"
                )
            if info.flag_bits & 0x1:
                yield Member(name, info.file_size, when, problem="encrypted archive member")
                continue
            with zf.open(info) as stream:
                yield Member(name, info.file_size, when, _Metered(stream, budget))


def _tar_members(fh: IO[bytes], budget: Budget) -> Iterator[Member]:
    with tarfile.open(fileobj=fh, mode="r:*") as tf:
        for count, info in enumerate(tf):
            if count >= _MAX_MEMBERS:
                raise ArchiveLimitError(f"archive has more than {_MAX_MEMBERS} members")
            if info.isdir():
                continue
            name = safe_text(info.name)
            if not info.isfile():
                yield Member(name, None, info.mtime, problem="link or special archive member")
                continue
            stream = tf.extractfile(info)
            if stream is None:
                yield Member(name, info.size, info.mtime, problem="member cannot be read")
                continue
            with stream:
                yield Member(name, info.size, info.mtime, _Metered(stream, budget))


def archive_members(fh: IO[bytes], mime: str, budget: Budget) -> Iterator[Member]:
    """Members of the zip or tar (plain or compressed) open as ``fh``, in archive order."""
    if mime == "application/zip":
        return _zip_members(fh, budget)
    return _tar_members(fh, budget)
