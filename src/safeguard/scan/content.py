"""The work done on each file: one read for MD5/SHA-1/SHA-256 and the content type, then
PDQ for images, vPDQ for videos and the members of archives.

Nothing here raises for a bad file: every problem becomes a reason on that file's
:class:`~safeguard.scan.items.FileResult` (``warning`` when hashes were still computed,
``error`` when the file could not be read, ``skipped`` when it was not to be opened).
"""

from __future__ import annotations

import hashlib
import os
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import IO, Protocol

from safeguard.errors import ImageDecodeError, VideoDecodeError
from safeguard.ingest.unpack import Limits
from safeguard.scan.archives import ArchiveLimitError, Budget, Member, archive_members
from safeguard.scan.items import FileResult, Item, ScanOptions, Times
from safeguard.scan.media import classify

__all__ = ["process_batch", "process_item"]

_CHUNK = 1 << 20
_PLAIN_ARCHIVES = ("application/zip", "application/x-tar")
_HEAD = 16384


class _Readable(Protocol):
    def read(self, n: int, /) -> bytes: ...


_NOATIME = getattr(os, "O_NOATIME", 0)


def _open_fd(path: bytes | Path, flags: int) -> int:
    """``os.open`` without updating the access time where allowed (``O_NOATIME`` needs the
    file's owner or root; otherwise the file is opened normally)."""
    try:
        return os.open(path, flags | _NOATIME)
    except PermissionError:
        if not _NOATIME:
            raise
        return os.open(path, flags)


def open_quietly(path: Path) -> IO[bytes]:
    """A binary file object for ``path``, opened as :func:`_open_fd` does."""
    return os.fdopen(_open_fd(path, os.O_RDONLY), "rb")


class _FsReader:
    """A regular file opened without following links or blocking (a FIFO is refused), and
    without touching its access time, so a triage scan leaves the device's times alone."""

    def __init__(self, path: bytes) -> None:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        self._fd = _open_fd(path, flags)
        if not stat.S_ISREG(os.fstat(self._fd).st_mode):
            os.close(self._fd)
            raise IsADirectoryError(0, "not a regular file")

    def read(self, n: int) -> bytes:
        return os.read(self._fd, n)

    def close(self) -> None:
        os.close(self._fd)


def _open(item: Item) -> tuple[_Readable, Callable[[], None], Path | None]:
    if item.locator[0] == "fs":
        raw = item.locator[1]
        assert isinstance(raw, bytes)
        reader = _FsReader(raw)
        return reader, reader.close, Path(os.fsdecode(raw))
    from safeguard.scan.tsk import TskReader

    return TskReader(item.locator), lambda: None, None


class _Digest:
    def __init__(self) -> None:
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.sha1 = hashlib.sha1(usedforsecurity=False)
        self.sha256 = hashlib.sha256()
        self.size = 0
        self.head = b""

    def update(self, chunk: bytes) -> None:
        self.md5.update(chunk)
        self.sha1.update(chunk)
        self.sha256.update(chunk)
        if len(self.head) < _HEAD:
            self.head += chunk[: _HEAD - len(self.head)]
        self.size += len(chunk)


def _consume(
    stream: _Readable, digest: _Digest, spool: Callable[[bytes], IO[bytes] | None]
) -> None:
    """Read ``stream`` to its end once; ``spool`` decides from the head where to copy it."""
    out: IO[bytes] | None = None
    first = True
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
        if first:
            out, first = spool(chunk[:_HEAD]), False
        if out is not None:
            out.write(chunk)
    if first:
        spool(b"")


class _Work:
    """Processing of one top-level item: a temporary directory for spooled members."""

    def __init__(self, options: ScanOptions, tmp: Path) -> None:
        self.options = options
        self.tmp = tmp
        self.limits = Limits(options.archive_max_bytes, options.archive_max_ratio)

    def _needs_file(self, mime_media: str) -> bool:
        if mime_media == "archive":
            return self.options.archives
        return self.options.media and mime_media in ("image", "video")

    def stream(
        self, base: FileResult, stream: _Readable, local: Path | None, depth: int
    ) -> list[FileResult]:
        digest = _Digest()
        spooled: list[Path] = []
        with ExitStack() as stack:

            def spool(head: bytes) -> IO[bytes] | None:
                if local is not None or not self._needs_file(classify(head)[0]):
                    return None
                fd, name = tempfile.mkstemp(dir=self.tmp)
                spooled.append(Path(name))
                return stack.enter_context(os.fdopen(fd, "wb"))

            _consume(stream, digest, spool)
        path = local or (spooled[0] if spooled else None)
        try:
            return self._finish(base, digest, path, depth)
        finally:
            for p in spooled:
                p.unlink(missing_ok=True)

    def _finish(
        self, base: FileResult, digest: _Digest, path: Path | None, depth: int
    ) -> list[FileResult]:
        media, mime = classify(digest.head)
        result = replace(
            base,
            size=digest.size,
            md5=digest.md5.hexdigest(),
            sha1=digest.sha1.hexdigest(),
            sha256=digest.sha256.hexdigest(),
            media=media,
            mime=mime,
        )
        if base.size is not None and digest.size != base.size:
            result = result.with_reason(f"read {digest.size} of {base.size} bytes")
        if path is None:
            return [result]
        if media == "image" and self.options.media:
            return [_with_pdq(result, path)]
        if media == "video" and self.options.media:
            return [_with_vpdq(result, path)]
        if media == "archive" and self.options.archives:
            return self._expand(result, path, depth)
        return [result]

    def _expand(self, archive: FileResult, path: Path, depth: int) -> list[FileResult]:
        if depth >= self.options.archive_max_depth:
            return [archive.with_reason("archive nested too deep: members not scanned")]
        members: list[FileResult] = []
        try:
            with open_quietly(path) as fh:
                budget = Budget(self.limits, os.fstat(fh.fileno()).st_size)
                for member in archive_members(fh, archive.mime, budget):
                    members += self._member(archive, member, depth)
        except ArchiveLimitError as exc:
            archive = archive.with_reason(f"{exc}: the rest of the archive was not scanned")
        except tarfile.ReadError as exc:
            if archive.mime in _PLAIN_ARCHIVES or members:
                archive = archive.with_reason(f"corrupt or truncated archive: {exc}")
            # else: a compressed file that holds no tar (e.g. a plain .gz) is just a file
        except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, ValueError) as exc:
            archive = archive.with_reason(f"corrupt or truncated archive: {exc}")
        return [archive, *members]

    def _member(self, archive: FileResult, member: Member, depth: int) -> list[FileResult]:
        base = FileResult(
            key=f"{archive.key}!/{member.name}",
            path=f"{archive.path}!/{member.name}",
            size=member.size,
            times=Times(mtime=member.mtime),
            deleted=archive.deleted,
            container=archive.key,
        )
        if member.stream is None:
            return [base.with_reason(member.problem or "not read", "skipped")]
        try:
            return self.stream(base, member.stream, None, depth + 1)
        except ArchiveLimitError:
            raise
        except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, ValueError) as exc:
            return [base.with_reason(f"corrupt archive member: {exc}", "error")]


def _with_pdq(result: FileResult, path: Path) -> FileResult:
    from safeguard.hashing.pdq import pdq_of_image

    try:
        with open_quietly(path) as fh:
            pdq = pdq_of_image(fh)
    except OSError as exc:
        return result.with_reason(f"no PDQ: cannot read file: {exc.strerror or exc}")
    except ImageDecodeError as exc:
        return result.with_reason(f"no PDQ: {exc.reason}")
    return replace(result, pdq=pdq.hex, pdq_quality=pdq.quality)


def _with_vpdq(result: FileResult, path: Path) -> FileResult:
    from safeguard.hashing.video import vpdq_of_video
    from safeguard.hashing.vpdq import vpdq_text

    try:
        with open_quietly(path) as fh:
            frames = vpdq_of_video(fh)
    except OSError as exc:
        return result.with_reason(f"no vPDQ: cannot read file: {exc.strerror or exc}")
    except VideoDecodeError as exc:
        return result.with_reason(f"no vPDQ: {exc.reason}")
    return replace(result, vpdq=vpdq_text(frames))


def process_item(item: Item, options: ScanOptions, tmp: Path) -> list[FileResult]:
    """The results of one item: the file itself, then the members of an archive."""
    base = FileResult.of_item(item)
    if item.problem is not None:
        return [base.with_reason(item.problem, "skipped")]
    if item.size is not None and item.size > options.max_file_bytes:
        reason = (
            f"{item.size} bytes exceeds SAFEGUARD_SCAN_MAX_FILE_BYTES ({options.max_file_bytes})"
        )
        return [base.with_reason(f"not read: {reason}", "skipped")]
    try:
        reader, close, local = _open(item)
    except OSError as exc:
        return [base.with_reason(f"cannot open: {exc.strerror or exc}", "error")]
    try:
        return _Work(options, tmp).stream(base, reader, local, 0)
    except OSError as exc:
        return [base.with_reason(f"cannot read: {exc.strerror or exc}", "error")]
    finally:
        close()


def process_batch(items: list[Item], options: ScanOptions) -> list[list[FileResult]]:
    """Process ``items`` (a worker's unit of work), one result list per item, in order."""
    with tempfile.TemporaryDirectory(prefix="safeguard-scan-") as tmp:
        return [process_item(item, options, Path(tmp)) for item in items]
