"""The evidence store: original delivery files, content-addressed and read-only.

Each file is verified against its expected SHA-256 and copied in the same read
(:func:`keep`). A :class:`Keeper` does that for a whole delivery on a background thread
while the delivery loads (hashing and file I/O run without the GIL); the load cannot
commit before every file has been verified and kept.
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

from safeguard.errors import DeliveryRejected, StoreError
from safeguard.ingest.formats.base import DeliveryFile
from safeguard.progress import NULL_PROGRESS, Progress

__all__ = ["Keeper", "keep"]

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
    target = evidence_dir / file.sha256[:2] / file.sha256
    tmp = target.with_name(f".{file.sha256}.{os.getpid()}.{threading.get_ident()}.tmp")
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
    except OSError as exc:
        raise StoreError(f"cannot keep {file.name} in the evidence store: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return target


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
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ingest-evidence", daemon=True)

    def _run(self) -> None:
        total = sum(f.size for f in self._files)
        try:
            with self._progress.task("ingest: verify and keep evidence", total) as task:
                for file in self._files:
                    self._paths.append(keep(self._dir, file, task.advance, self._stop.is_set))
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
