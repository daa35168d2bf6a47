"""Writing small platform-export deliveries for tests and demos (synthetic data only)."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["write_manifest", "write_platform_export", "write_table"]

Row = Mapping[str, Any]


def write_table(path: Path, rows: Sequence[Row], columns: Sequence[str] | None = None) -> None:
    """A CSV table with a header of ``columns`` (default: keys of the first row)."""
    names = list(columns or (rows[0].keys() if rows else []))
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, names, extrasaction="raise")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})


def write_manifest(root: Path, files: Sequence[str], **fields: Any) -> Path:
    """``manifest.json`` listing ``files`` (relative to ``root``) with their SHA-256."""
    doc: dict[str, Any] = {
        "format": "safeguard-platform-export",
        "version": 1,
        "platform": "exampleshare",
        "source_agency": "Example Partner Agency",
        "produced_at": "2020-05-01T00:00:00Z",
        "grading": {"source": "2", "intelligence": "B", "handling": "P", "conditions": ""},
    }
    doc.update(fields)
    doc["files"] = {
        name: hashlib.sha256((root / name).read_bytes()).hexdigest() for name in sorted(files)
    }
    path = root / "manifest.json"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


def _write_jsonl(path: Path, rows: Sequence[Row]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps({k: v for k, v in row.items() if v not in (None, "")}) + "\n")


def _write_parquet(path: Path, rows: Sequence[Row]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = list(rows[0].keys()) if rows else []
    cols = {n: [None if r.get(n) in (None, "") else str(r[n]) for r in rows] for n in names}
    pq.write_table(pa.table({n: pa.array(v, pa.string()) for n, v in cols.items()}), path)


def write_platform_export(
    root: Path, tables: Mapping[str, Sequence[Row]], *, suffix: str = "csv", **manifest: Any
) -> Path:
    """A delivery directory with ``<table>.<suffix>`` (csv, jsonl, parquet) per table + manifest."""
    root.mkdir(parents=True, exist_ok=True)
    writers = {"csv": write_table, "jsonl": _write_jsonl, "parquet": _write_parquet}
    names = []
    for table, rows in tables.items():
        name = f"{table}.{suffix}"
        writers[suffix](root / name, rows)
        names.append(name)
    write_manifest(root, names, **manifest)
    return root
