"""`safeguard serve`: the web app on loopback."""

from __future__ import annotations

import ipaddress

import typer

from safeguard.cli.common import JSON, console, emit_json, handle_errors, settings
from safeguard.errors import ConfigError

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
    port: int = typer.Option(8000, min=1, max=65535, help="TCP port (1-65535)."),
    as_json: bool = JSON,
) -> None:
    """Serve the web app (operation overview, triage queue, JSON API) on loopback.

    With --json the address is printed as one JSON document before serving.
    """
    import uvicorn

    from safeguard.web import create_app

    _check_loopback(host)
    app = create_app(settings())
    url = f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"
    if as_json:
        emit_json({"url": url, "host": host, "port": port})
    else:
        console.print(f"Safeguard web app on {url}  (Ctrl-C to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
