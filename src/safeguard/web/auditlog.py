"""The audit of web requests: appended in batches (group commit), committed before anything
of the request leaves the app.

Every authenticated request appends one hash-chained event (who, what, when, from where).
Appending one event per transaction made the audit the largest single cost of a request
(``bench/web.py``): a write lock, a read of the chain's head and a commit, each time. Under
load each commit also costs every pooled SQLite connection its page cache, which is dropped
when another connection has written. :class:`AuditWriter` keeps the guarantee and drops most
of the cost:

- one writer thread gathers the events queued within :data:`LINGER_S` of the first (at most
  :data:`MAX_BATCH`) and appends them in one transaction, in the order they were queued,
  with the time each request was audited;
- a change (POST and the like) **waits until its event is committed** before its route runs;
- a view (GET) runs while its event commits, and :class:`AuditGate` holds its response until
  the commit is done: no record leaves the app without its committed audit event;
- if the transaction fails, every request in it gets 503: no change runs, no view is sent.

The trade-off: an idle request waits up to :data:`LINGER_S` longer for its commit; under
load a view's wait overlaps its route's work, and there are fewer commits to pay for.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from safeguard.store.audit import NewEvent, append_batch
from safeguard.store.db import Store

__all__ = ["AUDIT_FAILED", "LINGER_S", "MAX_BATCH", "AuditGate", "AuditWriter"]

#: Most events appended in one transaction.
MAX_BATCH = 500
#: How long the writer gathers events after the first of a batch before it commits them.
LINGER_S = 0.02
AUDIT_FAILED = "the audit log cannot be written: nothing is served"


@dataclass(frozen=True)
class _Pending:
    event: NewEvent
    done: Future[None]


class AuditWriter:
    """Appends queued events to the store's audit chain, many per transaction, in order."""

    def __init__(self, store: Store, linger: float | None = None) -> None:
        self._store = store
        self._linger = LINGER_S if linger is None else linger
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
        until = time.monotonic() + self._linger
        while len(batch) < MAX_BATCH:
            try:
                batch.append(self._queue.get(timeout=max(0.0, until - time.monotonic())))
            except queue.Empty:
                break
        return batch

    def _run(self) -> None:
        while True:
            batch = self._batch()
            try:
                with self._store.session() as s:
                    append_batch(s, [p.event for p in batch])
            except Exception as exc:  # every waiting request is refused, none is served
                for p in batch:
                    p.done.set_exception(exc)
                continue
            self.transactions += 1
            for p in batch:
                p.done.set_result(None)


class AuditGate:
    """ASGI middleware: a response starts only once its request's audit event is committed.

    A view (GET) does not wait for its event before its route runs (:class:`~safeguard.web.
    deps.Need` leaves the pending commit in ``request.state.audit``): the route's work and
    the commit overlap, and the response is held here until the commit is done. If it
    fails, the route's response is dropped unsent and the client gets 503 instead.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = False

        async def gated(message: Message) -> None:
            nonlocal refused
            if refused:
                return
            pending: Future[None] | None = scope.get("state", {}).get("audit")
            if message["type"] == "http.response.start" and pending is not None:
                try:
                    await asyncio.wrap_future(pending)
                except Exception:
                    refused = True
                    await JSONResponse({"detail": AUDIT_FAILED}, 503)(scope, receive, send)
                    return
            await send(message)

        await self.app(scope, receive, gated)
