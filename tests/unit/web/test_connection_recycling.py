"""With several worker processes, each keep-alive connection is closed after a fixed number of
responses, so reconnecting clients spread over the processes (one process had taken every
benchmark client while the other idled)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from starlette.types import Message, Receive, Scope, Send

from safeguard.config import Settings
from safeguard.store.db import Store
from safeguard.web.app import _RecycleConnections, create_app


async def _ok(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def _recorder(sent: list[Message]) -> Send:
    async def send(message: Message) -> None:
        sent.append(message)

    return send


def _closes(app: _RecycleConnections, client: tuple[str, int], requests: int) -> list[int]:
    """The requests (1-based) on ``client``'s connection whose response says close."""
    closed: list[int] = []

    async def run() -> None:
        for n in range(1, requests + 1):
            sent: list[Message] = []
            send = _recorder(sent)

            async def receive() -> Message:
                return {"type": "http.request", "body": b""}

            scope = {"type": "http", "client": client, "headers": []}
            await app(scope, receive, send)
            headers = dict(sent[0]["headers"])
            if headers.get(b"connection") == b"close":
                closed.append(n)

    asyncio.run(run())
    return closed


def test_a_connection_is_closed_after_its_share_of_requests() -> None:
    app = _RecycleConnections(_ok, after=5)
    assert _closes(app, ("10.0.0.1", 40000), 12) == [5, 10]
    # another connection is counted on its own, from its first request
    assert _closes(app, ("10.0.0.1", 40001), 4) == []
    assert _closes(app, ("10.0.0.1", 40001), 1) == [1]


def test_only_several_workers_recycle_connections(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    store = Store.open(settings)
    try:
        one = create_app(settings, store)
        many = create_app(settings, store, workers=2)
        kinds = [
            [getattr(m.cls, "__name__", "") for m in app.user_middleware] for app in (one, many)
        ]
    finally:
        store.dispose()
    assert "_RecycleConnections" not in kinds[0] and "_RecycleConnections" in kinds[1]
