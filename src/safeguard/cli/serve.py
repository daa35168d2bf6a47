"""`safeguard serve`: the web app on loopback."""

from __future__ import annotations

import ipaddress

import typer
import uvicorn

from safeguard.cli.common import console, handle_errors, settings
from safeguard.errors import ConfigError
from safeguard.web import create_app

__all__ = ["register"]


def _check_loopback(host: str) -> None:
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ConfigError(
            f"refusing to serve on {host}: the web app has no login yet, so it binds to "
            "loopback only (127.0.0.1, ::1 or localhost)"
        )


@handle_errors
def serve_command(
    host: str = typer.Option("127.0.0.1", help="Loopback address to bind."),
    port: int = typer.Option(8000, help="TCP port."),
) -> None:
    """Serve the web app (operation overview, triage queue, JSON API) on loopback."""
    _check_loopback(host)
    app = create_app(settings())
    console.print(f"Safeguard web app on http://{host}:{port}/  (Ctrl-C to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
