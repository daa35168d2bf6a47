"""`safeguard scan SOURCE`, `scan report SCAN` and `scan list`: device triage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from typer.core import TyperGroup

from safeguard.cli.common import (
    JSON,
    OPERATION,
    RichProgress,
    console,
    emit_json,
    handle_errors,
    open_store,
)
from safeguard.cli.common import settings as load_settings

__all__ = ["register"]


class _ScanGroup(TyperGroup):
    """``scan SOURCE ...`` is short for ``scan run SOURCE ...``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        parsed: list[str] = super().parse_args(ctx, args)
        return parsed


scan_app = typer.Typer(
    cls=_ScanGroup,
    no_args_is_help=True,
    help=(
        "Device triage: `safeguard scan SOURCE --device LABEL` scans a directory or a disk "
        "image (short for `scan run`); `scan report SCAN` shows and exports the result."
    ),
)


def _operation(given: str | None, subject: str | None) -> str | None:
    if given or subject is None:
        return given or load_settings().operation or None
    from safeguard.cli.common import operation_name

    return operation_name(given)


def _print_summary(summary: Any) -> None:
    console.print(
        f"scan {summary.scan_id} of {summary.device!r}: {summary.items_processed:,} items "
        f"processed ({summary.files_done_before:,} already done), "
        f"{summary.files_written:,} files written, {summary.matched_files:,} matched",
        highlight=False,
    )
    console.print(f"see: safeguard scan report {summary.scan_id}", highlight=False)


@scan_app.command("run")
@handle_errors
def run_command(
    source: Path = typer.Argument(..., help="A directory or a raw/E01 disk image."),
    device: str = typer.Option(..., "--device", help="Label of the device (exhibit reference)."),
    subject: str | None = typer.Option(None, "--subject", help="Subject the device belongs to."),
    operation: str | None = OPERATION,
    hash_sets: list[str] = typer.Option([], "--hashset", help="Only this hash set (repeatable)."),
    resume: bool = typer.Option(False, "--resume", help="Continue this device's interrupted scan."),
    exact_only: bool = typer.Option(
        False, "--exact-only", help="Only MD5/SHA-1/SHA-256 (no PDQ, video or archives)."
    ),
    workers: int = typer.Option(0, "--workers", help="Local processes (default: one per core)."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Dask scheduler address (tcp://HOST:8786) to run the work on."
    ),
    as_json: bool = JSON,
) -> None:
    """Scan a device for known material, images and videos; stored as it goes."""
    from dataclasses import asdict

    from safeguard import scan

    cfg = load_settings()
    store = open_store(cfg)
    req = scan.ScanRequest(
        source=source,
        device=device,
        operation=_operation(operation, subject),
        subject=subject,
        hash_sets=hash_sets or None,
        resume=resume,
        media=not exact_only,
        workers=workers or None,
        scheduler=scheduler,
    )
    with RichProgress(enabled=not as_json) as progress:
        summary = scan.run(store, cfg, req, progress)
    if as_json:
        emit_json(asdict(summary))
    else:
        _print_summary(summary)


def _print_report(doc: dict[str, Any]) -> None:
    head, counts = doc["scan"], doc["counts"]
    console.print(
        f"scan {head['id']} of {head['device']!r} ({head['source_kind']}, {head['status']}): "
        f"{counts['files']:,} files, {counts['bytes']:,} bytes",
        highlight=False,
    )
    table = Table("category", "files")
    for key, value in counts["categories"].items():
        table.add_row(key, f"{value:,}")
    console.print(table)
    matched = Table("path", "category", "set", "method", "distance")
    for f in doc["matched"]:
        for m in f["matches"]:
            matched.add_row(
                f["path"],
                m["category"],
                f"{m['set']}@{m['version']}",
                m["method"],
                str(m["distance"]),
            )
    console.print(matched)
    grade = Table("to grade", "media", "size", "sha256")
    for f in doc["to_grade"]:
        grade.add_row(f["path"], f["media"], str(f["size"]), f["sha256"] or "")
    console.print(grade)
    for p in doc["problems"]:
        console.print(f"{p['status']}: {p['path']}: {p['reason']}", highlight=False)


@scan_app.command("report")
@handle_errors
def report_command(
    scan_ref: str = typer.Argument(..., metavar="SCAN", help="Scan id, or a device label."),
    vics: Path | None = typer.Option(None, "--vics", help="Write a VICS 2.0 case export here."),
    hashdeep: Path | None = typer.Option(None, "--hashdeep", help="Write a hashdeep manifest."),
    csv_out: Path | None = typer.Option(None, "--csv", help="Write one CSV row per file here."),
    as_json: bool = JSON,
) -> None:
    """Counts by category, matched files, unknown media to grade, problems; exports."""
    from safeguard import scan

    store = open_store()
    doc = scan.scan_report(store, scan_ref)
    for kind, path in (("vics", vics), ("hashdeep", hashdeep), ("csv", csv_out)):
        if path is not None:
            n = scan.export_scan(store, scan_ref, kind, path)
            if not as_json:
                console.print(f"{kind}: {n:,} records written to {path}", highlight=False)
    if as_json:
        emit_json(doc)
    else:
        _print_report(doc)


@scan_app.command("list")
@handle_errors
def list_command(
    operation: str | None = OPERATION,
    as_json: bool = JSON,
) -> None:
    """Scans, newest first (of one operation with -o)."""
    from safeguard.scan.records import list_scans

    docs = list_scans(open_store(), operation or load_settings().operation or None)
    if as_json:
        emit_json(docs)
        return
    table = Table("id", "device", "status", "source", "started", "files")
    for d in docs:
        table.add_row(
            str(d["id"]),
            d["device"],
            d["status"],
            d["source"],
            str(d["started_at"])[:19],
            str(sum(d["counts"].get("files", {}).values())),
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(scan_app, name="scan")
