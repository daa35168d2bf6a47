"""`safeguard operations` and `summary`: the operation as a whole."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from safeguard.cli.common import (
    JSON,
    OPERATION,
    console,
    emit_json,
    handle_errors,
    open_store,
    operation_name,
)
from safeguard.cli.pipeline import print_summary

__all__ = ["register"]


@handle_errors
def operations_command(as_json: bool = JSON) -> None:
    """List operations."""
    from sqlalchemy import select

    from safeguard.store.models import Operation

    store = open_store()
    with store.session() as s:
        ops = s.scalars(select(Operation).order_by(Operation.name)).all()
    docs: list[dict[str, Any]] = [
        {"name": o.name, "created_at": o.created_at, "created_by": o.created_by} for o in ops
    ]
    if as_json:
        emit_json(docs)
        return
    table = Table("operation", "created", "by")
    for d in docs:
        table.add_row(d["name"], str(d["created_at"])[:19], d["created_by"])
    console.print(table)


@handle_errors
def summary_command(operation: str | None = OPERATION, as_json: bool = JSON) -> None:
    """The operation's figures: accounts, subjects, packages, outcomes, times (median, p90)."""
    from safeguard import track

    summary = track.summarise(open_store(), operation_name(operation))
    if as_json:
        emit_json(summary.to_json())
    else:
        print_summary(summary)


def register(app: typer.Typer) -> None:
    app.command("operations")(operations_command)
    app.command("summary")(summary_command)
