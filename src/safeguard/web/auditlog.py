"""The audit of web requests: appended in batches (group commit), committed before the route runs.

Every authenticated request appends one hash-chained event (who, what, when, from where).
Appending one event per transaction made the audit the largest single cost of a request
(``bench/web.py``): a write lock, a read of the chain's head and a commit, each time, on the
event loop. :class:`AuditWriter` keeps the guarantee and drops the cost:

- a request's event is queued and the request **waits until it is committed**; its route runs
  only after that, so no record leaves the app without its committed audit event (the same
  guarantee as before: batching changes how many events share a transaction, not when a
  request may proceed);
- one writer thread takes every event queued while the previous transaction was committing
  (at most :data:`MAX_BATCH`) and appends them in one transaction, in the order they were
  queued, with the time each request was audited;
- if the transaction fails, every request in it fails with 503 and none of their routes run.

The trade-off: a request waits for at most one transaction in progress before its own, so
under load latency is bounded by two commits rather than one queue of commits; when idle
a request waits for exactly one commit, as before.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from safeguard.store.audit import NewEvent, append_many
from safeguard.store.db import Store

__all__ = ["MAX_BATCH", "AuditWriter"]

#: Most events appended in one transaction.
MAX_BATCH = 500


@dataclass(frozen=True)
class _Pending:
    event: NewEvent
    done: Future[None]


class AuditWriter:
    """Appends queued events to the store's audit chain, many per transaction, in order."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._queue: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        #: Transactions committed so far (for tests and the benchmark).
        self.transactions = 0

    def submit(
        self, actor: str, action: str, target: str, detail: Mapping[str, Any]
    ) -> Future[None]:
        """Queue one event; the future completes once it is committed (or fails)."""
        done: Future[None] = Future()
        with self._lock:  # queue order is chain order (and time order): stamp and enqueue
            event = NewEvent(actor, action, target, detail, at=datetime.now(UTC))
            self._queue.put(_Pending(event, done))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
                self._thread.start()
        return done

    def _batch(self) -> list[_Pending]:
        batch = [self._queue.get()]
        while len(batch) < MAX_BATCH:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _run(self) -> None:
        while True:
            batch = self._batch()
            try:
                with self._store.session() as s:
                    append_many(s, [p.event for p in batch])
            except Exception as exc:  # every waiting request is refused, none is served
                for p in batch:
                    p.done.set_exception(exc)
                continue
            self.transactions += 1
            for p in batch:
                p.done.set_result(None)
