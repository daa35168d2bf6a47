"""`safeguard match HASH_OR_FILE...`: look hashes or files up in the hash sets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from safeguard.cli.common import JSON, console, emit_json, err_console, handle_errors, open_store
from safeguard.cli.common import settings as load_cli_settings

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


def _hex_or_refuse(item: str) -> list[Any]:
    from safeguard.errors import FormatError
    from safeguard.match.lookup import hex_queries

    try:
        return hex_queries(item)
    except FormatError as exc:
        raise FormatError(
            f"{item!r} is neither a file nor an md5/sha1/sha256/sha512/pdq hex hash"
        ) from exc


@handle_errors
def match_command(
    items: list[str] = typer.Argument(..., help="Hex hashes (md5/sha1/sha256/sha512/pdq), files."),
    sets: list[str] = typer.Option([], "--set", help="Only this hash set (repeatable)."),
    dihedral: bool = typer.Option(
        False, "--dihedral", help="Also match files' 8 rotated/flipped PDQ variants."
    ),
    max_distance: int = typer.Option(
        -1, "--max-distance", help="Largest PDQ distance (default SAFEGUARD_PDQ_MAX_DISTANCE)."
    ),
    as_json: bool = JSON,
) -> None:
    """Print the hash-set entries that match each hash or file, with set, category, distance."""
    from safeguard.match import load_engine
    from safeguard.match.lookup import file_queries, lookup

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
            queries = _hex_or_refuse(item)
        docs += lookup(engine, item, queries, distance, cfg.pdq_min_quality)
    if as_json:
        emit_json(docs)
        return
    _print(docs, notes, items)


def register(app: typer.Typer) -> None:
    app.command("match")(match_command)
