"""`safeguard operations`, `summary` and `enrich`: the operation as a whole."""

from __future__ import annotations

from pathlib import Path
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
from safeguard.errors import PipelineError

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


@handle_errors
def enrich_command(
    operation: str = typer.Argument(..., help="Operation name."),
    checks: Path | None = typer.Option(None, help="Police checks returns (checks.csv)."),
    register_csv: Path | None = typer.Option(None, "--register", help="Known-subject register."),
) -> None:
    """Load police checks returns and the known-subject register (then re-run assess)."""
    from safeguard.assess.enrichment import load_checks, load_register

    if checks is None and register_csv is None:
        raise PipelineError("give --checks and/or --register")
    store = open_store()
    op_id = store.operation_id(operation)
    if checks:
        console.print(f"checks findings loaded: {load_checks(store, op_id, checks):,}")
    if register_csv:
        console.print(f"register rows loaded: {load_register(store, op_id, register_csv):,}")


def register(app: typer.Typer) -> None:
    app.command("operations")(operations_command)
    app.command("summary")(summary_command)
    app.command("enrich")(enrich_command)
