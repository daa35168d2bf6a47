"""What a scan hands to workers (:class:`Item`) and what they hand back (:class:`FileResult`).

Both are plain, picklable records: the same work runs inline, in a local process pool or
on Dask workers on other machines.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

__all__ = [
    "FileResult",
    "Item",
    "ScanOptions",
    "Times",
    "display_name",
    "epoch_time",
]


@dataclass(frozen=True, slots=True)
class Times:
    """Modification, access, change and creation times, seconds since the epoch (UTC)."""

    mtime: float | None = None
    atime: float | None = None
    ctime: float | None = None
    crtime: float | None = None


@dataclass(frozen=True, slots=True)
class Item:
    """One file found on a device, to be read by a worker.

    ``locator`` tells a worker how to read it: ``("fs", path_bytes)`` for a file of a
    directory, ``("tsk", image, kind, offset, inode)`` for a file in a disk image.
    ``problem`` is set when the file is not to be read at all (a symbolic link, a FIFO...).
    """

    key: str
    path: str
    locator: tuple[object, ...]
    size: int | None
    times: Times = Times()
    deleted: bool = False
    raw_name: str | None = None
    notes: tuple[str, ...] = ()
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """What workers compute: ``media=False`` is an exact-hash-only scan."""

    media: bool = True
    archives: bool = True
    max_file_bytes: int = 64 * 1024**3
    archive_max_bytes: int = 20 * 1024**3
    archive_max_ratio: int = 200
    archive_max_depth: int = 3


@dataclass(frozen=True, slots=True)
class FileResult:
    """What a worker found about one file (or one archive member)."""

    key: str
    path: str
    size: int | None
    times: Times = Times()
    deleted: bool = False
    raw_name: str | None = None
    container: str | None = None
    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    media: str = "other"
    mime: str = ""
    pdq: str | None = None
    pdq_quality: int | None = None
    vpdq: str | None = None
    status: str = "ok"
    reasons: tuple[str, ...] = field(default=())

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)

    def with_reason(self, reason: str, status: str = "warning") -> FileResult:
        worse = status if self.status != "error" else "error"
        return replace(self, status=worse, reasons=(*self.reasons, reason))

    @classmethod
    def of_item(cls, item: Item) -> FileResult:
        status = "warning" if item.notes else "ok"
        return cls(
            key=item.key,
            path=item.path,
            size=item.size,
            times=item.times,
            deleted=item.deleted,
            raw_name=item.raw_name,
            status=status,
            reasons=item.notes,
        )


def display_name(raw: bytes) -> tuple[str, bool]:
    """A file name as text (invalid UTF-8 bytes shown as ``\\xNN``), and whether it was."""
    try:
        return raw.decode("utf-8"), True
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace"), False


def epoch_time(value: float | None) -> datetime | None:
    """A UTC datetime of seconds since the epoch (``None`` and 0 mean unknown)."""
    if not value:
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None
