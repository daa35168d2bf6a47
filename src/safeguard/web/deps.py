"""What routes declare they need: the store, the acting user, and the action they perform.

Every route carries exactly one :class:`Need` in its dependencies. ``Need(action)`` finds the
actor (session cookie or ``Authorization: Bearer`` token), checks :func:`safeguard.authz.may`,
checks the CSRF token on a browser's unsafe request, applies the token's rate limit, and
audits the request (appended in batches by :class:`safeguard.web.auditlog.AuditWriter`): a
change's route runs only once its event is committed, a view's response is sent only once
it is (:class:`safeguard.web.auditlog.AuditGate`). ``Need(PUBLIC)`` marks the few
routes anyone may reach (login, assets).
The authorisation-matrix test walks the route table and fails on a route without a Need.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from safeguard import authz
from safeguard.access import session_actor, token_actor
from safeguard.authz import Actor
from safeguard.store.db import Store
from safeguard.web.auditlog import AUDIT_FAILED, AuditWriter, PendingAudit

__all__ = [
    "COOKIE",
    "PUBLIC",
    "ActorDep",
    "Need",
    "RateLimiter",
    "WebState",
    "client_of",
    "state_of",
]

COOKIE = "sg_session"
PUBLIC = "public"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class RateLimiter:
    """At most ``limit`` calls a minute per key (sliding window, in memory)."""

    def __init__(self) -> None:
        self._calls: defaultdict[object, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()  # the login route runs in the thread pool

    def allow(self, key: object, limit: int) -> bool:
        now = time.monotonic()
        with self._lock:
            calls = self._calls[key]
            while calls and calls[0] <= now - 60:
                calls.popleft()
            if len(calls) >= limit:
                return False
            calls.append(now)
            return True


@dataclass
class WebState:
    store: Store
    secure_cookies: bool = False
    #: Login attempts a minute from one client address before it is told to wait.
    login_per_minute: int = 10
    #: Server processes sharing the listening socket (``safeguard serve --workers``). Rate
    #: limits are counted in each process's memory, so each allows its share of a limit
    #: (rounded up): together they never allow more than the limit (plus one a worker).
    workers: int = 1
    token_limits: RateLimiter = field(default_factory=RateLimiter)
    login_limits: RateLimiter = field(default_factory=RateLimiter)
    audit_log: AuditWriter = field(init=False)

    def __post_init__(self) -> None:
        self.audit_log = AuditWriter(self.store)

    def share(self, per_minute: int) -> int:
        """This process's share of a limit a minute."""
        return max(1, -(-per_minute // self.workers))


def state_of(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


def client_of(request: Request) -> str:
    return request.client.host if request.client else ""


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _token_actor(request: Request, state: WebState, token: str) -> Actor:
    with state.store.reading() as s:
        found = token_actor(s, token, client_of(request))
    if found is None:
        raise HTTPException(401, "invalid, expired or revoked token")
    actor, token_id, limit = found
    if not state.token_limits.allow(token_id, state.share(limit)):
        raise HTTPException(429, f"rate limit: {limit} requests a minute for this token")
    return actor


def _csrf_ok(request: Request, expected: str, form_token: str | None) -> bool:
    given = request.headers.get("x-csrf-token") or form_token or ""
    return hmac.compare_digest(given.encode(), expected.encode())


async def _session_actor(request: Request, state: WebState) -> Actor | None:
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        return None
    with state.store.reading() as s:
        found = session_actor(s, cookie, client_of(request))
    if found is None:
        return None
    actor, csrf = found
    request.state.csrf = csrf
    if request.method in _UNSAFE:
        form_token = None
        if request.headers.get("content-type", "").startswith("application/x-www-form"):
            form_token = str((await request.form()).get("csrf", ""))
        if not _csrf_ok(request, csrf, form_token):
            raise HTTPException(403, "missing or wrong CSRF token: reload the page")
    return actor


class Need:
    """Dependency: the actor, allowed to do ``action`` (see the module docstring)."""

    def __init__(self, action: str) -> None:
        if action != PUBLIC and action not in authz.ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        self.action = action

    async def __call__(self, request: Request) -> Actor | None:
        state = state_of(request)
        token = _bearer(request)
        # On the event loop, as the session lookup is: one indexed read, cheaper than the
        # hand-off to a thread and back.
        actor = _token_actor(request, state, token) if token else None
        if actor is None:
            actor = await _session_actor(request, state)
        request.state.actor = actor
        if self.action == PUBLIC:
            return actor
        if actor is None:
            raise HTTPException(401, "log in first")
        if not authz.may(actor, self.action):
            raise HTTPException(403, f"a {actor.role.value} may not {self.action}")
        await self._audit(request, state, actor)
        return actor

    async def _audit(self, request: Request, state: WebState, actor: Actor) -> None:
        """Queue the request's audit event. A change (POST and the like) runs only once its
        event is committed (503 if it cannot be); a view's route runs meanwhile, and its
        response waits for the commit (:class:`safeguard.web.auditlog.AuditGate`)."""
        done = state.audit_log.submit(
            actor.username,
            f"web.{self.action}",
            request.url.path,
            {"method": request.method, "client": actor.client, "query": request.url.query},
        )
        if request.method not in _UNSAFE:
            request.state.audit = PendingAudit(state.audit_log, done)
            return
        try:
            await state.audit_log.committed(done)
        except Exception as exc:
            raise HTTPException(503, AUDIT_FAILED) from exc


async def _current(request: Request) -> Actor:
    actor: Actor | None = getattr(request.state, "actor", None)
    if actor is None:
        raise HTTPException(401, "log in first")
    return actor


#: The actor found by the route's :class:`Need` (routes that need it as a value).
ActorDep = Annotated[Actor, Depends(_current)]
