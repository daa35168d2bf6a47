"""`safeguard ingest`, `deliveries list|show|quarantine`: partner deliveries."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from safeguard.errors import NotFoundError

if TYPE_CHECKING:
    from safeguard.store.db import Store

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


def _list_docs(store: Store, operation: str | None) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from safeguard.store.models import Delivery, Operation

    query = (
        select(Delivery, Operation.name)
        .join(Operation, Operation.id == Delivery.operation_id)
        .order_by(Delivery.id)
    )
    if operation:
        query = query.where(Delivery.operation_id == store.operation_id(operation))
    with store.session() as s:
        rows = s.execute(query).all()
    return [
        {
            "id": d.id,
            "operation": op,
            "format": d.format,
            "platform": d.platform,
            "source_agency": d.source_agency,
            "received_at": d.received_at,
            "ingested_by": d.ingested_by,
            "accepted": sum(t.get("accepted", 0) for t in d.report.get("tables", {}).values()),
            "quarantined": sum(
                t.get("quarantined", 0) for t in d.report.get("tables", {}).values()
            ),
        }
        for d, op in rows
    ]


@deliveries_app.command("list")
@handle_errors
def deliveries_list(
    operation: str | None = OPERATION_FILTER,
    as_json: bool = JSON,
) -> None:
    """List ingested deliveries with their accepted and quarantined row counts."""
    docs = _list_docs(open_store(), operation_filter(operation))
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


def _show_doc(store: Store, delivery_id: int) -> dict[str, Any]:
    from sqlalchemy import func, select

    from safeguard.store.models import Delivery, DeliveryFile, QuarantinedRow

    with store.session() as s:
        d = s.get(Delivery, delivery_id)
        if d is None:
            raise NotFoundError(f"no delivery {delivery_id} (see `safeguard deliveries list`)")
        files = s.scalars(select(DeliveryFile).where(DeliveryFile.delivery_id == d.id)).all()
        quarantined = s.scalar(
            select(func.count())
            .select_from(QuarantinedRow)
            .where(QuarantinedRow.delivery_id == d.id)
        )
    return {
        "id": d.id, "format": d.format, "checksum": d.checksum, "platform": d.platform,
        "source_agency": d.source_agency, "produced_at": d.produced_at,
        "received_at": d.received_at, "ingested_by": d.ingested_by,
        "grading": {"source": d.grading_source, "intelligence": d.grading_intelligence,
                    "handling": d.grading_handling, "conditions": d.grading_conditions},
        "files": [{"path": f.path, "sha256": f.sha256, "size": f.size,
                   "evidence_path": f.evidence_path} for f in files],
        "quarantine_entries": int(quarantined or 0),
        "tables": d.report.get("tables", {}), "reasons": d.report.get("reasons", {}),
        "records": d.report.get("records", {}), "notes": d.report.get("notes", []),
    }  # fmt: skip


@deliveries_app.command("show")
@handle_errors
def deliveries_show(
    delivery_id: int = typer.Argument(..., help="Delivery id (see `deliveries list`)."),
    as_json: bool = JSON,
) -> None:
    """Show a delivery's provenance, files and ingest report (accepted/quarantined by reason)."""
    doc = _show_doc(open_store(), delivery_id)
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


#: Columns of `deliveries quarantine` (``value`` is the offending cell as the partner wrote it).
QUARANTINE_COLUMNS = ("file", "line", "column", "reason", "value", "detail", "raw")


def _raw_value(raw: str, column: str) -> str | None:
    """The offending cell from the quarantined row's JSON text (None: whole-row reasons)."""
    import json

    try:
        row = json.loads(raw)
    except ValueError:
        return None
    value = row.get(column) if isinstance(row, dict) else None
    return None if value is None else value if isinstance(value, str) else json.dumps(value)


def _quarantine_rows(
    store: Store, delivery_id: int, reason: str | None, limit: int
) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from safeguard.store.models import Delivery, QuarantinedRow

    query = select(QuarantinedRow).where(QuarantinedRow.delivery_id == delivery_id)
    if reason:
        query = query.where(QuarantinedRow.reason == reason)
    query = query.order_by(QuarantinedRow.file, QuarantinedRow.line, QuarantinedRow.id)
    with store.session() as s:
        if s.get(Delivery, delivery_id) is None:
            raise NotFoundError(f"no delivery {delivery_id} (see `safeguard deliveries list`)")
        rows = s.scalars(query.limit(limit) if limit > 0 else query).all()
    return [
        {"file": r.file, "line": r.line, "column": r.column, "reason": r.reason,
         "value": _raw_value(r.raw, r.column), "detail": r.detail, "raw": r.raw}
        for r in rows
    ]  # fmt: skip


def _quarantine_csv(rows: list[dict[str, Any]]) -> str:
    import csv
    import io

    from safeguard.attribute.referrals import neutralise

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
    rows = _quarantine_rows(open_store(), delivery_id, reason or None, limit)
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
