"""`safeguard serve`: the web app. Loopback by default; any other address only with TLS."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any

import typer

from safeguard.cli.common import JSON, console, emit_json, handle_errors, open_store, settings
from safeguard.errors import ConfigError

__all__ = ["register"]


def _is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_binding(host: str, cert: Path | None, key: Path | None) -> None:
    if (cert is None) != (key is None):
        raise ConfigError("give both --tls-cert and --tls-key, or neither")
    for path in (cert, key):
        if path is not None and not path.is_file():
            raise ConfigError(f"TLS file not found: {path}")
    if cert is None and not _is_loopback(host):
        raise ConfigError(
            f"refusing to serve on {host} without TLS: give --tls-cert and --tls-key, or bind "
            "to loopback (127.0.0.1, ::1 or localhost)"
        )


@handle_errors
def serve_command(
    host: str = typer.Option("127.0.0.1", help="Address to bind (beyond loopback: TLS only)."),
    port: int = typer.Option(8000, min=1, max=65535, help="TCP port (1-65535)."),
    tls_cert: Path | None = typer.Option(None, "--tls-cert", help="PEM certificate (chain)."),
    tls_key: Path | None = typer.Option(None, "--tls-key", help="PEM private key."),
    workers: int = typer.Option(
        1, "--workers", min=1, max=64, help="Server processes (one a core uses every core)."
    ),
    as_json: bool = JSON,
) -> None:
    """Serve the web app: log in per role, queue, packages, force portal, REST and matching API.

    With --json the address is printed as one JSON document before serving.
    """
    _check_binding(host, tls_cert, tls_key)
    import uvicorn

    from safeguard.web.app import WORKER_ENV, create_app, settle_for_serving

    tls = tls_cert is not None
    if workers > 1:  # each process builds its app from the environment (uvicorn's factory)
        # The settings are checked and the store migrated here, once, not by N processes
        # racing to migrate it.
        open_store().dispose()
        os.environ.update(zip(WORKER_ENV, ("1" if tls else "0", str(workers)), strict=True))
        app: Any = "safeguard.web.app:worker_app"
    else:
        app = settle_for_serving(create_app(settings(), tls=tls))
    scheme = "https" if tls else "http"
    url = f"{scheme}://[{host}]:{port}/" if ":" in host else f"{scheme}://{host}:{port}/"
    if as_json:
        emit_json({"url": url, "host": host, "port": port, "tls": tls, "workers": workers})
    else:
        console.print(f"Safeguard web app on {url}  (Ctrl-C to stop)")
    uvicorn.run(
        app,
        factory=workers > 1,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
        http="httptools",
        loop="uvloop",
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
    )


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
