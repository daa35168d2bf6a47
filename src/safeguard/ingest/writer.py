"""A background writer: the delivery's bulk writes run on one thread, in order, while the
loader reads and checks the next batch (Arrow work, which mostly runs without the GIL;
``sqlite3`` and ``psycopg`` release it while the database works).

Every other use of the connection first waits for the writes already handed over
(:meth:`Writer.drain`), so statements reach the database in exactly the order the loader
issued them. At most ``depth`` writes wait at a time, which bounds the memory they hold.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any

__all__ = ["Writer"]


class Writer:
    """Runs submitted writes one at a time on a single thread, in submission order."""

    def __init__(self, depth: int = 2) -> None:
        self._depth = depth
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer")
        self._pending: deque[Future[Any]] = deque()

    def submit(self, write: Callable[..., Any], *args: Any) -> None:
        """Queue ``write(*args)``; blocks while ``depth`` writes are already waiting.
        A failed earlier write raises here."""
        while len(self._pending) >= self._depth:
            self._pending.popleft().result()
        self._pending.append(self._pool.submit(write, *args))

    def drain(self) -> None:
        """Wait for every queued write; the first failure raises."""
        while self._pending:
            self._pending.popleft().result()

    def __enter__(self) -> Writer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Wait until the thread is idle (the caller may roll back next), then stop it."""
        try:
            if exc_type is None:
                self.drain()
        finally:
            for future in self._pending:
                future.cancel()
            self._pool.shutdown(wait=True)
            self._pending.clear()
