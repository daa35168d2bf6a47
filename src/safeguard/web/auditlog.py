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
import threading
import time
from collections import deque
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from safeguard.store.audit import NewEvent, append_batch
from safeguard.store.db import Store

__all__ = ["AUDIT_FAILED", "LINGER_S", "MAX_BATCH", "AuditGate", "AuditWriter", "PendingAudit"]

#: Most events appended in one transaction.
MAX_BATCH = 500
#: How long the writer gathers events after the first of a batch before it commits them.
LINGER_S = 0.02
AUDIT_FAILED = "the audit log cannot be written: nothing is served"


@dataclass
class _Batch:
    """Events that commit together, and the one future their requests wait on."""

    started: float
    events: list[NewEvent] = field(default_factory=list)
    done: Future[None] = field(default_factory=Future)


class AuditWriter:
    """Appends queued events to the store's audit chain, many per transaction, in order."""

    def __init__(self, store: Store, linger: float | None = None) -> None:
        self._store = store
        self._linger = LINGER_S if linger is None else linger
        self._ready = threading.Condition()
        self._batches: deque[_Batch] = deque()  # the last one is open to new events
        self._thread: threading.Thread | None = None
        #: This process's waits on a batch, one per event loop (a loop's requests await one
        #: future: a batch's commit wakes each loop once, not once a request).
        self._waits: dict[tuple[asyncio.AbstractEventLoop, Future[None]], asyncio.Future[None]]
        self._waits = {}
        #: Transactions committed so far (for tests and the benchmark).
        self.transactions = 0

    def submit(
        self, actor: str, action: str, target: str, detail: Mapping[str, Any]
    ) -> Future[None]:
        """Queue one event; the future completes once it is committed (or fails). Events
        queued together share their batch's future."""
        with self._ready:  # queue order is chain order (and time order): stamp and enqueue
            event = NewEvent(actor, action, target, detail, at=datetime.now(UTC))
            last = self._batches[-1] if self._batches else None
            if last is None or len(last.events) >= MAX_BATCH:
                last = _Batch(time.monotonic())
                self._batches.append(last)
            last.events.append(event)
            if len(last.events) in (1, MAX_BATCH):  # a batch to take, or one to take now:
                self._ready.notify()  # otherwise the writer waits out its linger undisturbed
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
                self._thread.start()
        return last.done

    async def committed(self, done: Future[None]) -> None:
        """Wait (in an event loop) until the batch of ``done`` is committed; its error if not."""
        key = (asyncio.get_running_loop(), done)
        wait = self._waits.get(key)
        if wait is None:
            wait = self._waits[key] = asyncio.wrap_future(done)
            wait.add_done_callback(lambda _: self._waits.pop(key, None))
        await asyncio.shield(wait)  # a request cancelled does not cancel the others' wait

    def _take(self) -> _Batch:
        """The first batch, once it is full, has lingered its time, or has a successor."""
        with self._ready:
            while not self._batches:
                self._ready.wait()
            first = self._batches[0]
            while len(self._batches) == 1 and len(first.events) < MAX_BATCH:
                left = first.started + self._linger - time.monotonic()
                if left <= 0:
                    break
                self._ready.wait(left)
            return self._batches.popleft()

    def _run(self) -> None:
        while True:
            batch = self._take()
            try:
                with self._store.session() as s:
                    append_batch(s, batch.events)
            except Exception as exc:  # every waiting request is refused, none is served
                batch.done.set_exception(exc)
                continue
            self.transactions += 1
            batch.done.set_result(None)


@dataclass(frozen=True)
class PendingAudit:
    """A view's audit event on its way to the log (what :class:`AuditGate` waits for)."""

    writer: AuditWriter
    done: Future[None]


class AuditGate:
    """ASGI middleware: a response starts only once its request's audit event is committed.

    A view (GET) does not wait for its event before its route runs (:class:`~safeguard.web.
    deps.Need` leaves the writer and the pending commit in ``request.state.audit``, a
    :class:`PendingAudit`): the route's work and
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
            pending: PendingAudit | None = scope.get("state", {}).get("audit")
            if message["type"] == "http.response.start" and pending is not None:
                try:
                    await pending.writer.committed(pending.done)
                except Exception:
                    refused = True
                    await JSONResponse({"detail": AUDIT_FAILED}, 503)(scope, receive, send)
                    return
            await send(message)

        await self.app(scope, receive, gated)
