"""`safeguard match HASH_OR_FILE...`: look hashes or files up in the hash sets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from safeguard.cli.common import JSON, console, emit_json, err_console, handle_errors, open_store
from safeguard.cli.common import settings as load_cli_settings
from safeguard.errors import FormatError, ImageDecodeError

if TYPE_CHECKING:
    from safeguard.match import MatchEngine

__all__ = ["register"]


@dataclass(frozen=True)
class _Query:
    """One hash to look up for one command-line argument."""

    kind: str  # md5, sha1, sha256 or pdq
    hex: str
    quality: int | None = None


def _hex_queries(arg: str) -> list[_Query]:
    text = arg.strip().lower()
    try:
        bytes.fromhex(text)
    except ValueError:
        text = ""
    kinds = {32: ["md5"], 40: ["sha1"], 64: ["sha256", "pdq"], 128: ["sha512"]}.get(len(text))
    if not kinds:
        raise FormatError(f"{arg!r} is neither a file nor an md5/sha1/sha256/sha512/pdq hex hash")
    return [_Query(k, text) for k in kinds]


def _file_queries(path: Path, dihedral: bool) -> tuple[list[_Query], str]:
    from safeguard.hashing import hash_file, pdq_dihedral_of_image, pdq_of_image

    h = hash_file(path)
    queries = [_Query("md5", h.md5), _Query("sha1", h.sha1), _Query("sha256", h.sha256)]
    try:
        pdqs = pdq_dihedral_of_image(path) if dihedral else [pdq_of_image(path)]
    except ImageDecodeError as exc:
        return queries, f"no PDQ: {exc.reason}"
    return queries + [_Query("pdq", p.hex, p.quality) for p in pdqs], ""


def _lookup(
    engine: MatchEngine, arg: str, queries: list[_Query], max_distance: int, min_quality: int
) -> list[dict[str, Any]]:
    from safeguard.match import METHODS, SEVERITY

    best: dict[int, dict[str, Any]] = {}
    for q in queries:
        if q.kind == "pdq":
            quality = [q.quality] if q.quality is not None else None
            m = engine.match_pdq(
                [q.hex],
                max_distance=max_distance,
                qualities=quality,
                min_quality=min_quality if quality else 0,
            )
        else:
            m = engine.match_exact(q.kind, [q.hex])
        for row, method, dist in zip(
            m.entry_row.tolist(), m.method.tolist(), m.distance.tolist(), strict=True
        ):
            prev = best.get(row)
            if prev is None or (method, dist) < (prev["_rank"], prev["distance"]):
                s = engine.sets[int(engine.set_index[row])]
                best[row] = {
                    "input": arg,
                    "set": s.name,
                    "version": s.version,
                    "category": SEVERITY[int(engine.categories[row])].value,
                    "method": METHODS[method].value,
                    "distance": dist,
                    "entry_id": int(engine.entry_ids[row]),
                    "_rank": method,
                }
    rows = sorted(best.values(), key=lambda r: (r["_rank"], r["distance"], r["entry_id"]))
    return [{k: v for k, v in r.items() if k != "_rank"} for r in rows]


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

    cfg = load_cli_settings()
    engine = load_engine(open_store(cfg), sets or None)
    distance = cfg.pdq_max_distance if max_distance < 0 else max_distance
    docs: list[dict[str, Any]] = []
    notes: dict[str, str] = {}
    for item in items:
        path = Path(item)
        if path.is_file():
            queries, notes[item] = _file_queries(path, dihedral)
        else:
            queries = _hex_queries(item)
        docs += _lookup(engine, item, queries, distance, cfg.pdq_min_quality)
    if as_json:
        emit_json(docs)
        return
    _print(docs, notes, items)


def register(app: typer.Typer) -> None:
    app.command("match")(match_command)
