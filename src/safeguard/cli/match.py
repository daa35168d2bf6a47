"""`safeguard match HASH_OR_FILE...`: look hashes or files up in the hash sets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from safeguard.cli.common import console, emit_json, err_console, handle_errors, open_store
from safeguard.cli.common import settings as load_cli_settings
from safeguard.match import load_engine
from safeguard.match.lookup import file_queries, hex_queries, lookup

__all__ = ["register"]


def _print(docs: list[dict[str, Any]], notes: dict[str, str], args: list[str]) -> None:
    table = Table("input", "set", "version", "category", "method", "distance")
    for d in docs:
        table.add_row(
            d["input"], d["set"], str(d["version"]), d["category"], d["method"], str(d["distance"])
        )
    console.print(table)
    for arg in args:
        if not any(d["input"] == arg for d in docs):
            console.print(f"{arg}: no match", highlight=False)
        if notes.get(arg):
            err_console.print(f"{arg}: {notes[arg]}", highlight=False)


@handle_errors
def match_command(
    items: list[str] = typer.Argument(..., help="Hex hashes (md5/sha1/sha256/pdq) or files."),
    sets: list[str] = typer.Option([], "--set", help="Only this hash set (repeatable)."),
    dihedral: bool = typer.Option(
        False, "--dihedral", help="Also match files' 8 rotated/flipped PDQ variants."
    ),
    max_distance: int = typer.Option(
        -1, "--max-distance", help="Largest PDQ distance (default SAFEGUARD_PDQ_MAX_DISTANCE)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Print the hash-set entries that match each hash or file, with set, category, distance."""
    cfg = load_cli_settings()
    engine = load_engine(open_store(cfg), sets or None)
    distance = cfg.pdq_max_distance if max_distance < 0 else max_distance
    docs: list[dict[str, Any]] = []
    notes: dict[str, str] = {}
    for item in items:
        path = Path(item)
        if path.is_file():
            queries, notes[item] = file_queries(path, dihedral)
        else:
            queries = hex_queries(item)
        docs += lookup(engine, item, queries, distance, cfg.pdq_min_quality)
    if as_json:
        emit_json(docs)
        return
    _print(docs, notes, items)


def register(app: typer.Typer) -> None:
    app.command("match")(match_command)
