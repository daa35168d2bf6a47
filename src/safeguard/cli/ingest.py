"""`safeguard ingest`, `deliveries list|show|quarantine`: partner deliveries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from safeguard.cli.common import (
    JSON,
    OPERATION,
    OPERATION_FILTER,
    PROGRESS,
    RichProgress,
    check_choice,
    console,
    emit_json,
    handle_errors,
    open_store,
    operation_filter,
    operation_name,
    settings,
)

__all__ = ["register"]

deliveries_app = typer.Typer(
    help="List and show ingested deliveries and their quarantined rows.", no_args_is_help=True
)

_FORMAT_HELP = "Delivery format: auto (detect) or a format name (see `safeguard plugins`)."


def _print_report(doc: dict[str, Any]) -> None:
    table = Table("file", "accepted", "quarantined", "values dropped", "reasons")
    for file, counts in sorted(doc["tables"].items()):
        reasons = doc["reasons"].get(file, {})
        table.add_row(
            file,
            f"{counts.get('accepted', 0):,}",
            f"{counts.get('quarantined', 0):,}",
            f"{counts.get('values_dropped', 0):,}",
            ", ".join(f"{r} {n:,}" for r, n in sorted(reasons.items())),
        )
    console.print(table)
    for note in doc.get("notes", []):
        console.print(f"note: {note}", highlight=False)


@handle_errors
def ingest_command(
    path: Path = typer.Argument(..., help="Delivery directory or archive."),
    operation: str | None = OPERATION,
    format: str = typer.Option("auto", "--format", help=_FORMAT_HELP),
    as_json: bool = JSON,
    progress_bars: bool = PROGRESS,
) -> None:
    """Ingest a partner delivery into an operation (created if new): validate, quarantine bad
    rows, keep the originals as evidence."""
    from safeguard import ingest
    from safeguard.ingest.formats import FORMATS

    check_choice(format, ["auto", *(f.name for f in FORMATS)], "--format")
    op = operation_name(operation)
    cfg = settings()
    store = open_store(cfg)
    with RichProgress(enabled=not as_json, force=progress_bars) as progress:
        result = ingest.run(store, cfg, path, op, format=format, user=cfg.user, progress=progress)
    doc = {"delivery_id": result.delivery_id, "created": result.created, **result.report()}
    if as_json:
        emit_json(doc)
        return
    verb = "ingested" if result.created else "already ingested (nothing changed):"
    console.print(f"{verb} delivery {result.delivery_id} ({result.format})", highlight=False)
    _print_report(doc)


@deliveries_app.command("list")
@handle_errors
def deliveries_list(
    operation: str | None = OPERATION_FILTER,
    as_json: bool = JSON,
) -> None:
    """List ingested deliveries with their accepted and quarantined row counts."""
    from safeguard.ingest.query import list_deliveries

    docs = list_deliveries(open_store(), operation_filter(operation))
    if as_json:
        emit_json(docs)
        return
    table = Table(
        "id", "operation", "format", "platform", "received", "by", "accepted", "quarantined"
    )
    for d in docs:
        table.add_row(
            str(d["id"]), d["operation"], d["format"], d["platform"], str(d["received_at"])[:19],
            d["ingested_by"], f"{d['accepted']:,}", f"{d['quarantined']:,}",
        )  # fmt: skip
    console.print(table)


@deliveries_app.command("show")
@handle_errors
def deliveries_show(
    delivery_id: int = typer.Argument(..., help="Delivery id (see `deliveries list`)."),
    as_json: bool = JSON,
) -> None:
    """Show a delivery's provenance, files and ingest report (accepted/quarantined by reason)."""
    from safeguard.ingest.query import delivery_doc

    doc = delivery_doc(open_store(), delivery_id)
    if as_json:
        emit_json(doc)
        return
    g = doc["grading"]
    console.print(
        f"delivery {doc['id']} ({doc['format']}) from {doc['source_agency'] or '?'}, platform "
        f"{doc['platform'] or '?'}, graded {g['source']}{g['intelligence']}{g['handling']}, "
        f"ingested by {doc['ingested_by']} at {str(doc['received_at'])[:19]}",
        highlight=False,
    )
    console.print(f"manifest checksum {doc['checksum']}", highlight=False)
    files = Table("file", "size", "sha256")
    for f in doc["files"]:
        files.add_row(f["path"], f"{f['size']:,}", f["sha256"])
    console.print(files)
    _print_report(doc)


def _quarantine_csv(rows: list[dict[str, Any]]) -> str:
    import csv
    import io

    from safeguard.attribute.referrals import neutralise
    from safeguard.ingest.query import QUARANTINE_COLUMNS

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(QUARANTINE_COLUMNS)
    for row in rows:
        writer.writerow([neutralise(row[c]) for c in QUARANTINE_COLUMNS])
    return out.getvalue()


def _quarantine_table(rows: list[dict[str, Any]]) -> Table:
    from rich.text import Text

    table = Table("file", "line", "column", "reason", "value")
    table.columns[4].overflow = "fold"
    for r in rows:
        cells = [r["file"], str(r["line"]), r["column"] or "-", r["reason"], r["value"] or "-"]
        table.add_row(*(Text(c) for c in cells))  # Text, not markup: "[b]" shows as written
    return table


@deliveries_app.command("quarantine")
@handle_errors
def deliveries_quarantine(
    delivery_id: int = typer.Argument(..., help="Delivery id (see `deliveries list`)."),
    reason: str = typer.Option("", "--reason", help="Only rows quarantined for this reason."),
    limit: int = typer.Option(0, "--limit", min=0, help="Show at most N rows (0: all)."),
    as_json: bool = JSON,
    as_csv: bool = typer.Option(
        False, "--csv", help="CSV on standard output (cells safe to open in a spreadsheet)."
    ),
) -> None:
    """Show a delivery's quarantined rows: file, line, column, reason and the value as written."""
    if as_json and as_csv:
        raise typer.BadParameter("give --json or --csv, not both", param_hint="--csv")
    from safeguard.ingest.query import quarantine_rows

    rows = quarantine_rows(open_store(), delivery_id, reason or None, limit)
    if as_json:
        emit_json({"delivery_id": delivery_id, "rows": rows})
    elif as_csv:
        typer.echo(_quarantine_csv(rows), nl=False)
    else:
        console.print(_quarantine_table(rows))
        console.print(
            f"{len(rows):,} quarantined rows (--json or --csv add each row's detail and raw text)",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_command)
    app.add_typer(deliveries_app, name="deliveries")
