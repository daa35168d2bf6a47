"""`safeguard plugins`: every registered format, geolocator, linker and risk factor."""

from __future__ import annotations

from dataclasses import asdict

import typer
from rich.table import Table

from safeguard.cli.common import JSON, console, emit_json, handle_errors

__all__ = ["register"]


@handle_errors
def plugins_command(as_json: bool = JSON) -> None:
    """List the plugins of every registry with their stable names."""
    from safeguard.plugins import registries

    regs = registries()
    if as_json:
        emit_json({kind: [asdict(p) for p in plugins] for kind, plugins in regs.items()})
        return
    table = Table("kind", "name", "description")
    for plugins in regs.values():
        for p in plugins:
            table.add_row(p.kind, p.name, p.description)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("plugins")(plugins_command)
