"""The FastAPI application: pages (Jinja2 + HTMX), the REST API and the matching API.

Everyone logs in (``docs/security.md``); every route declares the action it performs and
:mod:`safeguard.authz` decides. Every asset is served locally; no page loads anything from
another host, and strict headers forbid inline script, framing and referrers.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path
from urllib.parse import unquote

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from safeguard import __version__
from safeguard.config import Settings
from safeguard.store.db import Store
from safeguard.web.auditlog import AuditGate
from safeguard.web.deps import WebState
from safeguard.web.jobs import JobRunner
from safeguard.web.routes import ROUTERS
from safeguard.web.routes.match import EngineCache

__all__ = [
    "CSP",
    "KEEPALIVE_REQUESTS",
    "OPENAPI_URL",
    "WORKER_ENV",
    "create_app",
    "settle_for_serving",
    "worker_app",
]

HERE = Path(__file__).parent
OPENAPI_URL = "/api/v1/openapi.json"
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class _RefuseNul:
    """NUL characters in a path or query are refused (400): no store can keep them as text.

    Plain ASGI middleware (as is :class:`_SecurityHeaders`): Starlette's BaseHTTPMiddleware
    costs a task group and memory streams on every request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = scope.get("query_string", b"").decode("latin-1")
            if "\x00" in unquote(scope.get("path", "")) or "\x00" in unquote(query):
                refused = JSONResponse({"detail": "NUL characters are not accepted"}, 400)
                await refused(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _SecurityHeaders:
    def __init__(self, app: ASGIApp, *, tls: bool) -> None:
        self.app = app
        self._tls = tls

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = CSP
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"
                headers["Referrer-Policy"] = "no-referrer"
                headers["Cache-Control"] = "no-store"
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                if self._tls:
                    headers["Strict-Transport-Security"] = "max-age=31536000"
            await send(message)

        await self.app(scope, receive, with_headers)


#: Requests a keep-alive connection carries before the server closes it, when several worker
#: processes share the socket: a reconnect every 25 requests evens the processes' shares out
#: within seconds (at 100 a 20 s benchmark run was still uneven).
KEEPALIVE_REQUESTS = 25


class _RecycleConnections:
    """Closes each keep-alive connection after :data:`KEEPALIVE_REQUESTS` responses.

    A connection stays with the worker process that accepted it, and the first process to
    wake accepts every connection waiting: clients that connected together (``bench/web.py``'s
    20) all landed on one process while the other idled. A client that
    reconnects is accepted by whichever process is free first, so the load evens out.
    Connections are told apart by the client's address and port (while a connection is
    open no other has them)."""

    def __init__(self, app: ASGIApp, *, after: int = KEEPALIVE_REQUESTS) -> None:
        self.app = app
        self._after = after
        self._served: dict[object, int] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] != "http" or client is None:
            await self.app(scope, receive, send)
            return
        key = tuple(client)

        async def counted(message: Message) -> None:
            if message["type"] == "http.response.start":
                served = self._served.pop(key, 0) + 1
                if served >= self._after:
                    MutableHeaders(scope=message)["Connection"] = "close"
                else:
                    if len(self._served) > 10_000:  # connections closed by their clients
                        self._served.clear()
                    self._served[key] = served
            await send(message)

        await self.app(scope, receive, counted)


async def _to_login(request: Request, exc: StarletteHTTPException) -> Response:
    """A page asked for without a login goes to the login form; the API answers 401."""
    wants_page = not request.url.path.startswith("/api/")
    if exc.status_code == 401 and wants_page and request.method == "GET":
        return RedirectResponse("/login", status_code=303)
    return await http_exception_handler(request, exc)


def create_app(
    settings: Settings, store: Store | None = None, *, tls: bool = False, workers: int = 1
) -> FastAPI:
    """The app over ``store``; ``tls`` marks cookies Secure and sends HSTS; ``workers`` is
    how many server processes share the socket (each takes its share of a rate limit)."""
    app = FastAPI(
        title="Safeguard",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=OPENAPI_URL,
    )
    app.state.web = WebState(store or Store.open(settings), secure_cookies=tls, workers=workers)
    app.state.settings = settings
    app.state.engines = EngineCache()
    app.state.jobs = JobRunner(app.state.web.store, settings)
    app.add_middleware(AuditGate)
    app.add_middleware(_RefuseNul)
    app.add_middleware(_SecurityHeaders, tls=tls)
    if workers > 1:
        app.add_middleware(_RecycleConnections)
    app.add_exception_handler(StarletteHTTPException, _to_login)  # type: ignore[arg-type]
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for router in ROUTERS:
        app.include_router(router)
    return app


#: How ``safeguard serve --workers`` tells its worker processes about TLS and their number.
WORKER_ENV = ("SAFEGUARD_SERVE_TLS", "SAFEGUARD_SERVE_WORKERS")


#: Allocations between the collector's youngest-generation passes (Python's default: 700).
GC_YOUNG = 20_000


def settle_for_serving(app: FastAPI) -> FastAPI:
    """Ready a serving process's collector once its app is built: what exists now (modules,
    routes, mappings, templates) is frozen out of the collector's passes, which run less
    often. Its passes over them cost 0.25 ms of CPU a request (bench/web.py's mix, in one
    process). Only for the server's own process: tests build many apps in one."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG, *gc.get_threshold()[1:])
    return app


def worker_app() -> FastAPI:
    """The app of one of ``safeguard serve --workers N``'s processes (uvicorn's factory):
    the settings from the environment, as the command had them."""
    from safeguard.config import load_settings

    tls, workers = (os.environ.get(name, "") for name in WORKER_ENV)
    app = create_app(load_settings(), tls=tls == "1", workers=int(workers or 1))
    return settle_for_serving(app)
