"""The evidence store: original delivery files, content-addressed and read-only.

Each file is verified against its expected SHA-256 and copied in the same read
(:func:`keep`). A :class:`Keeper` does that for a whole delivery on a background thread
while the delivery loads (hashing and file I/O run without the GIL); the load cannot
commit before every file has been verified and kept. A load that fails removes what it kept
that no delivery refers to (:func:`discard`); an ingest that was killed leaves a partial
``.tmp`` copy, which the next ingest removes (:func:`sweep`).
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType

from sqlalchemy import select

from safeguard.errors import DeliveryRejected, StoreError
from safeguard.ingest.formats.base import DeliveryFile
from safeguard.progress import NULL_PROGRESS, Progress
from safeguard.store.db import Store
from safeguard.store.models import DeliveryFile as DeliveryFileRow

__all__ = ["Keeper", "discard", "keep", "sweep"]

_CHUNK = 1 << 20


class _Cancelled(Exception):
    pass


def _mismatch(file: DeliveryFile, digest: str) -> DeliveryRejected:
    if file.verified:
        return DeliveryRejected(f"{file.name} changed while it was being ingested")
    return DeliveryRejected(
        f"checksum mismatch for {file.name}: manifest says {file.sha256}, file is {digest}"
    )


def keep(
    evidence_dir: Path,
    file: DeliveryFile,
    advance: Callable[[int], None] = lambda _n: None,
    cancelled: Callable[[], bool] = lambda: False,
) -> Path:
    """Copy ``file`` to ``evidence_dir/ab/abcdef...`` (read-only) while hashing it.

    Raises :class:`DeliveryRejected` (nothing kept) when its SHA-256 is not ``file.sha256``.
    Content already kept is hashed but not copied again. Returns the stored path.
    """
    return _keep(evidence_dir, file, advance, cancelled)[0]


def _tmp_name(sha256: str) -> str:
    """A partial copy's name: the writing process's id in it tells :func:`sweep` it is dead."""
    return f".{sha256}.{os.getpid()}.{threading.get_ident()}.tmp"


def _keep(
    evidence_dir: Path,
    file: DeliveryFile,
    advance: Callable[[int], None],
    cancelled: Callable[[], bool],
) -> tuple[Path, bool]:
    """:func:`keep`, and whether this call stored the file (it was not kept already)."""
    target = evidence_dir / file.sha256[:2] / file.sha256
    tmp = target.with_name(_tmp_name(file.sha256))
    created = False
    digest = hashlib.sha256()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with ExitStack() as stack:
            src = stack.enter_context(file.path.open("rb"))
            dst = None if target.is_file() else stack.enter_context(tmp.open("wb"))
            while chunk := src.read(_CHUNK):
                if cancelled():
                    raise _Cancelled
                digest.update(chunk)
                if dst is not None:
                    dst.write(chunk)
                advance(len(chunk))
        if digest.hexdigest() != file.sha256:
            raise _mismatch(file, digest.hexdigest())
        if tmp.exists():
            tmp.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
            os.replace(tmp, target)
            created = True
    except OSError as exc:
        raise StoreError(f"cannot keep {file.name} in the evidence store: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return target, created


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def sweep(evidence_dir: Path) -> list[Path]:
    """Remove partial copies (``.tmp``) left by ingests whose process has ended; return them."""
    removed = []
    for tmp in evidence_dir.glob("*/.*.tmp"):
        parts = tmp.name.split(".")
        pid = int(parts[2]) if len(parts) == 5 and parts[2].isdigit() else None
        if pid is not None and pid != os.getpid() and not _alive(pid):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def discard(store: Store, paths: Sequence[Path]) -> list[Path]:
    """Remove the evidence files at ``paths`` whose content no stored delivery holds; return them.

    Used when a load fails: what it kept belongs to no delivery, unless another delivery
    with the same content (the file's name is its SHA-256) has been stored meanwhile.
    """
    if not paths:
        return []
    with store.session() as s:
        column = DeliveryFileRow.sha256
        used = set(s.scalars(select(column).where(column.in_([p.name for p in paths]))))
    gone = [p for p in paths if p.name not in used]
    for path in gone:
        path.unlink(missing_ok=True)
    return gone


class Keeper:
    """Verifies and keeps a delivery's files on a background thread.

    Use as a context manager around the load. When the load fails the files are still
    verified (a file that is not what the manifest says is the error reported), unless the
    load was interrupted. :meth:`check` raises at once if a file has already failed;
    :meth:`kept` waits for every file and returns their evidence paths in order.
    """

    def __init__(
        self, evidence_dir: Path, files: Sequence[DeliveryFile], progress: Progress = NULL_PROGRESS
    ) -> None:
        self._dir = evidence_dir
        self._files = list(files)
        self._progress = progress
        self._paths: list[Path] = []
        #: The files this keeper stored (they were not kept before), once it has finished.
        self.created: list[Path] = []
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ingest-evidence", daemon=True)

    def _run(self) -> None:
        total = sum(f.size for f in self._files)
        try:
            with self._progress.task("ingest: verify and keep evidence", total) as task:
                for file in self._files:
                    path, created = _keep(self._dir, file, task.advance, self._stop.is_set)
                    self._paths.append(path)
                    if created:
                        self.created.append(path)
        except _Cancelled:
            pass
        except BaseException as exc:  # handed to the loading thread by check() / kept()
            self._error = exc

    def __enter__(self) -> Keeper:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None and not isinstance(exc, Exception):
            self._stop.set()  # interrupted: stop now
        self._thread.join()
        if exc is not None and exc is not self._error and isinstance(self._error, DeliveryRejected):
            # A file that is not what the manifest says explains any failure to load it.
            raise self._error from exc

    def check(self) -> None:
        """Raise now if a file has already failed verification (does not wait)."""
        if self._error is not None:
            raise self._error

    def kept(self) -> list[Path]:
        """Wait for every file; their evidence paths, in the order given."""
        self._thread.join()
        self.check()
        return list(self._paths)
