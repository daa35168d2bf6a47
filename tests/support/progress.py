"""A Progress for tests that remembers the description of every task started."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from safeguard.progress import NULL_PROGRESS, ProgressTask


class RecordingProgress:
    """Remembers each task's description, in the order started."""

    def __init__(self) -> None:
        self.started: list[str] = []

    @contextmanager
    def task(self, description: str, total: float | None = None) -> Iterator[ProgressTask]:
        self.started.append(description)
        with NULL_PROGRESS.task(description, total) as t:
            yield t
