"""`safeguard outcomes`: record, import (force CSV), list and quarantine of outcome events."""

from __future__ import annotations

from datetime import date
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
    settings,
)
from safeguard.errors import ActionRefused

__all__ = ["register"]

outcomes_app = typer.Typer(
    help="What recipients did with packages: arrests, charges, children safeguarded...",
    no_args_is_help=True,
)
_KINDS = (
    "accepted, visit, search, arrest, voluntary_interview, devices_seized, devices_examined, "
    "charged, convicted, no_further_action, children_safeguarded, referred_elsewhere"
)


@outcomes_app.command("record")
@handle_errors
def outcomes_record(
    reference: str = typer.Argument(..., help="Package reference (a sent package)."),
    operation: str | None = OPERATION,
    kind: str = typer.Option(..., help=f"One of: {_KINDS}."),
    on: str = typer.Option("", help="Date it happened (YYYY-MM-DD); default today."),
    count: int = typer.Option(1, help="How many (children safeguarded, devices, properties)."),
    offences: str = typer.Option("", help="Offences charged (required for charged)."),
    sentence: str = typer.Option("", help="Sentence (required for convicted)."),
    serious_risk: int = typer.Option(
        0, "--serious-risk", help="Of the children safeguarded, how many at serious risk."
    ),
    detail: str = typer.Option("", help="Free-text detail."),
    as_json: bool = JSON,
) -> None:
    """Record one outcome for a sent package (audited; a future date is refused)."""
    from safeguard import track

    try:
        occurred = date.fromisoformat(on) if on else date.today()
    except ValueError as exc:
        raise ActionRefused(f"--on must be YYYY-MM-DD, got {on!r}") from exc
    outcome_id = track.record_outcome(
        open_store(),
        operation_name(operation),
        reference,
        kind,
        occurred,
        count=count,
        offences=offences,
        sentence=sentence,
        serious_risk=serious_risk,
        detail=detail,
        user=settings().user,
    )
    if as_json:
        emit_json({"id": outcome_id, "package": reference, "kind": kind})
    else:
        console.print(f"recorded outcome {outcome_id}")


@outcomes_app.command("import")
@handle_errors
def outcomes_import(
    file: Path = typer.Argument(..., help="A force's outcomes CSV (docs/packages.md)."),
    operation: str | None = OPERATION,
    as_json: bool = JSON,
) -> None:
    """Import a force's outcomes CSV: all rows or none; importing it again changes nothing."""
    from safeguard import track

    result = track.import_csv(open_store(), operation_name(operation), file, user=settings().user)
    doc = {
        "file": result.file,
        "sha256": result.sha256,
        "status": result.status,
        "rows": result.rows,
    }
    if as_json:
        emit_json(doc)
    else:
        console.print(f"{result.file}: {result.status} ({result.rows} outcome(s))")


def _outcome_docs(operation: str) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from safeguard.store.models import IntelPackage, Outcome

    store = open_store()
    op_id = store.operation_id(operation)
    with store.session() as s:
        rows = s.execute(
            select(Outcome, IntelPackage.reference, IntelPackage.recipient_id)
            .join(IntelPackage, IntelPackage.id == Outcome.package_id)
            .where(Outcome.operation_id == op_id)
            .order_by(Outcome.id)
        ).all()
    return [
        {
            "id": o.id,
            "package": ref,
            "recipient": recipient,
            "kind": o.kind,
            "count": o.count,
            "occurred_on": o.occurred_on,
            "offences": o.offences,
            "sentence": o.sentence,
            "serious_risk": o.serious_risk,
            "recorded_by": o.recorded_by,
            "source": o.source,
            "detail": o.detail,
        }
        for o, ref, recipient in rows
    ]


@outcomes_app.command("list")
@handle_errors
def outcomes_list(operation: str | None = OPERATION, as_json: bool = JSON) -> None:
    """List recorded outcomes."""
    docs = _outcome_docs(operation_name(operation))
    if as_json:
        emit_json(docs)
        return
    table = Table("id", "package", "recipient", "kind", "count", "on", "by", "source")
    for d in docs:
        table.add_row(
            str(d["id"]),
            d["package"],
            d["recipient"],
            d["kind"],
            str(d["count"]),
            d["occurred_on"],
            d["recorded_by"],
            d["source"],
        )
    console.print(table)


@outcomes_app.command("quarantine")
@handle_errors
def outcomes_quarantine(operation: str | None = OPERATION, as_json: bool = JSON) -> None:
    """Rows of refused outcome CSVs: file, line, column and reason."""
    from safeguard.track.outcomes import quarantined

    docs = quarantined(open_store(), operation_name(operation))
    if as_json:
        emit_json(docs)
        return
    table = Table("file", "line", "column", "reason")
    for d in docs:
        table.add_row(d["file"], str(d["line"]), d["column"], d["reason"])
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(outcomes_app, name="outcomes")
