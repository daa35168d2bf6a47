"""`safeguard hashsets import|list|stats|export`: known-material hash sets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from safeguard.cli.common import (
    JSON,
    PROGRESS,
    RichProgress,
    check_choice,
    console,
    emit_json,
    handle_errors,
    open_store,
)
from safeguard.cli.common import settings as load_cli_settings

__all__ = ["register"]

hashsets_app = typer.Typer(
    help="Import, list, inspect and export known-material hash sets.", no_args_is_help=True
)

_FORMAT_HELP = "Input format: auto (detect) or a format name (see `safeguard plugins`)."
_SCHEME_HELP = "Category scheme of the source: uk, vics-us, or a mapping file (JSON or CSV)."
_CATEGORY_HELP = "Category for entries the file leaves uncategorised (A, B, C, non-pertinent)."


@hashsets_app.command("import")
@handle_errors
def import_command(
    path: Path = typer.Argument(..., help="Hash-set file to import."),
    name: str = typer.Option("", "--name", help="Set name (default: the file's stem)."),
    fmt: str = typer.Option("auto", "--format", help=_FORMAT_HELP),
    scheme: str = typer.Option("uk", "--scheme", help=_SCHEME_HELP),
    category: str = typer.Option("", "--category", help=_CATEGORY_HELP),
    source: str = typer.Option("", "--source", help="Who supplied the set (free text)."),
    as_json: bool = JSON,
    progress_bars: bool = PROGRESS,
) -> None:
    """Import a file as the next version of a hash set (same file again: no change)."""
    from safeguard.hashsets import FORMATS, import_hash_set
    from safeguard.records import Category

    check_choice(fmt, ["auto", *(f.name for f in FORMATS)], "--format")
    if category:
        check_choice(category, [c.value for c in Category], "--category")
    cfg = load_cli_settings()
    store = open_store(cfg)
    with RichProgress(enabled=not as_json, force=progress_bars) as progress:
        result = import_hash_set(
            store,
            path,
            name=name or None,
            fmt=fmt,
            scheme=scheme,
            default_category=Category(category) if category else None,
            source=source,
            user=cfg.user,
            progress=progress,
        )
    doc = {**result.__dict__}
    if as_json:
        emit_json(doc)
        return
    if result.unchanged:
        console.print(f"{result.name} v{result.version}: same file as before, nothing changed")
        return
    c = result.counts
    console.print(
        f"{result.name} v{result.version} ({result.format}, scheme {result.scheme}): "
        f"{c['entries']:,} entries, {c['added']:,} added, {c['retired']:,} retired, "
        f"{c['kept']:,} kept, {c['duplicates']:,} duplicates, "
        f"{c['skipped_no_hash']:,} without a usable hash",
        highlight=False,
    )


@hashsets_app.command("list")
@handle_errors
def list_command(as_json: bool = JSON) -> None:
    """List hash sets with their latest version and active entries by category."""
    from safeguard.hashsets import list_hash_sets
    from safeguard.records import Category

    infos = list_hash_sets(open_store())
    if as_json:
        emit_json([i.to_json() for i in infos])
        return
    table = Table("name", "version", "scheme", "entries", *[c.value for c in Category])
    for i in infos:
        cats = [f"{i.by_category.get(c.value, 0):,}" for c in Category]
        table.add_row(i.name, str(i.version), i.category_scheme, f"{i.active_entries:,}", *cats)
    console.print(table)


def _versions_table(doc: dict[str, Any]) -> Table:
    table = Table("version", "format", "imported", "by", "added", "retired", "entries", "sha256")
    for v in doc["versions"]:
        c = v["counts"]
        table.add_row(
            str(v["version"]),
            v["format"],
            str(v["imported_at"])[:19],
            v["imported_by"],
            f"{c.get('added', 0):,}",
            f"{c.get('retired', 0):,}",
            f"{c.get('entries', 0):,}",
            v["source_checksum"][:16],
        )
    return table


@hashsets_app.command("stats")
@handle_errors
def stats_command(
    name: str = typer.Argument(..., help="Hash set name."),
    as_json: bool = JSON,
) -> None:
    """Show one hash set: version history, active entries by category and by hash kind."""
    from safeguard.hashsets import hash_set_info

    doc = hash_set_info(open_store(), name).to_json()
    if as_json:
        emit_json(doc)
        return
    console.print(
        f"[bold]{doc['name']}[/] v{doc['version']} scheme {doc['category_scheme']} "
        f"source {doc['source'] or '-'}: {doc['active_entries']:,} active entries"
    )
    console.print("by category: " + ", ".join(f"{k} {v:,}" for k, v in doc["by_category"].items()))
    console.print("by hash: " + ", ".join(f"{k} {v:,}" for k, v in doc["by_hash"].items()))
    console.print(_versions_table(doc))


@hashsets_app.command("export")
@handle_errors
def export_command(
    name: str = typer.Argument(..., help="Hash set name."),
    out: Path = typer.Argument(..., help="File to write."),
    fmt: str = typer.Option(
        "safeguard-csv", "--format", help="Output format: safeguard-csv or vics (VICS 2.0 JSON)."
    ),
    version: int = typer.Option(0, "--version", help="Version to export (default: latest)."),
    scheme: str = typer.Option("uk", "--scheme", help="Category scheme of a VICS export."),
    as_json: bool = JSON,
) -> None:
    """Export a hash set (any version) to Safeguard CSV or VICS 2.0 JSON."""
    from safeguard.hashsets import EXPORT_FORMATS, export_hash_set

    check_choice(fmt, EXPORT_FORMATS, "--format")
    count = export_hash_set(
        open_store(), name, out, fmt=fmt, version=version or None, scheme=scheme
    )
    if as_json:
        emit_json({"name": name, "format": fmt, "entries": count, "path": str(out)})
        return
    console.print(f"wrote {count:,} entries of {name} to {out}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(hashsets_app, name="hashsets")
