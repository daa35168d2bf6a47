"""Export a hash set (any version) to Safeguard CSV or VICS 2.0 JSON, streamed."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from safeguard.errors import HashSetError
from safeguard.hashsets.catalog import iter_entries
from safeguard.hashsets.categories import load_scheme
from safeguard.records import Category
from safeguard.store.db import Store

__all__ = ["EXPORT_FORMATS", "export_hash_set", "write_safeguard_csv", "write_vics"]

#: Formats :func:`export_hash_set` writes (names as in the import registry).
EXPORT_FORMATS = ("safeguard-csv", "vics")

_CSV_COLUMNS = (
    "md5",
    "sha1",
    "sha256",
    "sha512",
    "pdq",
    "category",
    "victim_identified",
    "series",
    "distributed",
    "note",
)


def _bool_text(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")


def write_safeguard_csv(entries: Iterable[dict[str, Any]], out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_CSV_COLUMNS)
    count = 0
    for e in entries:
        row = [e.get(c) for c in _CSV_COLUMNS]
        for name in ("victim_identified", "distributed"):
            row[_CSV_COLUMNS.index(name)] = _bool_text(e.get(name))
        writer.writerow(["" if v is None else v for v in row])
        count += 1
    return count


def _vics_media(index: int, e: dict[str, Any], scheme: str) -> dict[str, Any]:
    category = load_scheme(scheme).export_value(Category(e["category"]))
    media: dict[str, Any] = {
        "MediaID": index,
        "Category": int(category) if category is not None and category.isdigit() else category,
        "MD5": (e.get("md5") or "").upper() or None,
        "SHA1": (e.get("sha1") or "").upper() or None,
        "VictimIdentified": e.get("victim_identified"),
        "IsDistributed": e.get("distributed"),
        "Series": e.get("series"),
        "Comments": e.get("note"),
    }
    if e.get("sha256"):
        media["SHA256"] = e["sha256"].upper()
    return media


def write_vics(entries: Iterable[dict[str, Any]], out: TextIO, *, scheme: str = "uk") -> int:
    """VICS 2.0 ``#Media``; categories written in ``scheme``; entries with only a PDQ are
    left out (VICS has no PDQ field)."""
    out.write('{"@odata.context": "https://safeguard.invalid/odata/$metadata#Media",\n')
    out.write(' "value": [')
    count = 0
    for e in entries:
        if not (e.get("md5") or e.get("sha1") or e.get("sha256")):
            continue
        out.write(",\n  " if count else "\n  ")
        out.write(json.dumps(_vics_media(count + 1, e, scheme), separators=(", ", ": ")))
        count += 1
    out.write("\n]}\n")
    return count


def export_hash_set(
    store: Store,
    name: str,
    path: Path,
    *,
    fmt: str = "safeguard-csv",
    version: int | None = None,
    scheme: str = "uk",
) -> int:
    """Write set ``name`` at ``version`` (default latest) to ``path``; return entries written.

    The file is written beside ``path`` and renamed into place, so a failure leaves no
    half-written export.
    """
    if fmt not in EXPORT_FORMATS:
        raise HashSetError(f"cannot export to {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    load_scheme(scheme)
    entries = iter_entries(store, name, version)
    tmp = path.with_name(path.name + ".part")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as out:
            count = (
                write_safeguard_csv(entries, out)
                if fmt == "safeguard-csv"
                else (write_vics(entries, out, scheme=scheme))
            )
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return count
