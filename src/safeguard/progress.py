"""Progress reporting that stages use without knowing who is watching.

The CLI passes a Rich-backed reporter, the web app its own, tests :data:`NULL_PROGRESS`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

__all__ = ["NULL_PROGRESS", "NullProgress", "Progress", "ProgressTask"]


class ProgressTask(Protocol):
    def advance(self, amount: float = 1) -> None: ...

    def set_total(self, total: float | None) -> None: ...


class Progress(Protocol):
    def task(
        self, description: str, total: float | None = None
    ) -> AbstractContextManager[ProgressTask]:
        """A context manager yielding a task; use as ``with progress.task(...) as t``."""
        ...


class _NullTask:
    def advance(self, amount: float = 1) -> None:
        return None

    def set_total(self, total: float | None) -> None:
        return None


class NullProgress:
    @contextmanager
    def task(self, description: str, total: float | None = None) -> Iterator[ProgressTask]:
        yield _NullTask()


NULL_PROGRESS = NullProgress()
