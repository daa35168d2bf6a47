"""`safeguard operations`, `summary`, `enrich` and `outcomes`: the operation as a whole."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from safeguard.cli.common import JSON, console, emit_json, handle_errors, open_store, settings
from safeguard.cli.pipeline import print_summary
from safeguard.errors import PipelineError

__all__ = ["register"]

#: ``safeguard.track.OUTCOME_KINDS``, named here so start-up need not import the track stage
#: (a test checks the two are equal).
OUTCOME_KINDS = (
    "arrest",
    "voluntary_interview",
    "search",
    "devices_seized",
    "devices_examined",
    "charge",
    "conviction",
    "children_safeguarded",
    "no_further_action",
)

outcomes_app = typer.Typer(
    help="Record and list what forces did with packages.", no_args_is_help=True
)


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
def summary_command(
    operation: str = typer.Argument(..., help="Operation name."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """The operation's figures: accounts, attribution, subjects, tiers, packages, outcomes."""
    from safeguard import track

    summary = track.summarise(open_store(), operation)
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


@outcomes_app.command("record")
@handle_errors
def outcomes_record(
    operation: str = typer.Argument(..., help="Operation name."),
    package_ref: str = typer.Argument(..., help="Package reference."),
    kind: str = typer.Option(..., help=f"One of: {', '.join(OUTCOME_KINDS)}."),
    on: str = typer.Option("", help="Date it happened (YYYY-MM-DD); default today."),
    count: int = typer.Option(1, help="How many (e.g. children safeguarded)."),
    detail: str = typer.Option("", help="Free-text detail."),
) -> None:
    """Record an outcome (arrest, search, charge, children safeguarded...) for a package."""
    from safeguard import track

    try:
        occurred = datetime.strptime(on, "%Y-%m-%d").date() if on else date.today()
    except ValueError as exc:
        raise PipelineError(f"--on must be YYYY-MM-DD, got {on!r}") from exc
    outcome_id = track.record_outcome(
        open_store(),
        operation,
        package_ref,
        kind,
        occurred,
        count=count,
        detail=detail,
        user=settings().user,
    )
    console.print(f"recorded outcome {outcome_id}")


@outcomes_app.command("list")
@handle_errors
def outcomes_list(
    operation: str = typer.Argument(..., help="Operation name."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List recorded outcomes."""
    from sqlalchemy import select

    from safeguard.store.models import IntelPackage, Outcome

    store = open_store()
    op_id = store.operation_id(operation)
    with store.session() as s:
        rows = s.execute(
            select(Outcome, IntelPackage.reference, IntelPackage.force_id)
            .join(IntelPackage, IntelPackage.id == Outcome.package_id)
            .where(Outcome.operation_id == op_id)
            .order_by(Outcome.id)
        ).all()
    docs: list[dict[str, Any]] = [
        {
            "id": o.id,
            "package": ref,
            "force_id": force,
            "kind": o.kind,
            "count": o.count,
            "occurred_on": o.occurred_on,
            "recorded_by": o.recorded_by,
            "detail": o.detail,
        }
        for o, ref, force in rows
    ]
    if as_json:
        emit_json(docs)
        return
    table = Table("id", "package", "force", "kind", "count", "on", "by")
    for d in docs:
        table.add_row(
            str(d["id"]),
            d["package"],
            d["force_id"],
            d["kind"],
            str(d["count"]),
            d["occurred_on"],
            d["recorded_by"],
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("operations")(operations_command)
    app.command("summary")(summary_command)
    app.command("enrich")(enrich_command)
    app.add_typer(outcomes_app, name="outcomes")
