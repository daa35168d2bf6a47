"""`safeguard report`: the operation's outcomes report as HTML and PDF."""

from __future__ import annotations

from pathlib import Path

import typer

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

__all__ = ["register"]


@handle_errors
def report_command(
    operation: str | None = OPERATION,
    out: Path | None = typer.Option(
        None, "--out", help="Directory to write into (default: <data dir>/reports)."
    ),
    as_json: bool = JSON,
) -> None:
    """Write the operation report (HTML and PDF with charts, marked on every page)."""
    from safeguard.track.report import write_report

    cfg = settings()
    op = operation_name(operation)
    files = write_report(open_store(cfg), op, out or cfg.reports_dir)
    if as_json:
        emit_json({"operation": op, "html": str(files.html), "pdf": str(files.pdf)})
    else:
        console.print(f"wrote {files.html} and {files.pdf}")


def register(app: typer.Typer) -> None:
    app.command("report")(report_command)
