"""Police checks returns (FORMATS §4) and the known-subject register (§5) into the store.

Both are keyed by an identifier; values are normalised with the ingest normalisers so they
meet the accounts' identifiers. Each load replaces the operation's previous rows.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import delete

from safeguard.errors import FormatError
from safeguard.ingest.normalise import normalise_identifier
from safeguard.store.bulk import bulk_insert
from safeguard.store.db import Store
from safeguard.store.models import CheckFinding, RegisterEntry

__all__ = ["load_checks", "load_register", "normalise_key"]

CHECK_COLUMNS = ("kind", "value", "source", "finding", "detail", "date", "force_id")
REGISTER_COLUMNS = ("force_id", "reference", "kind", "value", "status", "contact")


def normalise_key(kind: str, value: str) -> str:
    """The form a checks/register key is matched on (``name_dob``: ``name|YYYY-MM-DD``)."""
    if kind == "name_dob":
        name, _, dob = value.partition("|")
        return f"{' '.join(name.casefold().split())}|{dob.strip()}"
    if kind == "account_id":
        return value.strip()
    normalised = normalise_identifier(kind, value, "GB")
    return normalised[0] if normalised else " ".join(value.casefold().split())


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            missing = set(required) - set(reader.fieldnames or ())
            if missing:
                raise FormatError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
            yield from reader
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise FormatError(f"{path}: cannot read: {exc}") from exc


def load_checks(store: Store, operation_id: int, path: Path) -> int:
    rows = [
        (
            operation_id,
            r["kind"],
            r["value"],
            normalise_key(r["kind"], r["value"]),
            r["source"],
            r["finding"],
            r.get("detail") or "",
            r.get("date") or None,
            r.get("force_id") or None,
        )
        for r in _rows(path, ("kind", "value", "source", "finding"))
    ]
    cols = (
        "operation_id",
        "kind",
        "value",
        "norm",
        "source",
        "finding",
        "detail",
        "date",
        "force_id",
    )
    with store.transaction() as conn:
        conn.execute(delete(CheckFinding).where(CheckFinding.operation_id == operation_id))
        return bulk_insert(conn, CheckFinding.__tablename__, cols, rows)


def load_register(store: Store, operation_id: int, path: Path) -> int:
    rows = [
        (
            operation_id,
            r["force_id"],
            r["reference"],
            r["kind"],
            r["value"],
            normalise_key(r["kind"], r["value"]),
            r.get("status") or "open",
            r.get("contact") or "",
        )
        for r in _rows(path, ("force_id", "reference", "kind", "value"))
    ]
    cols = ("operation_id", "force_id", "reference", "kind", "value", "norm", "status", "contact")
    with store.transaction() as conn:
        conn.execute(delete(RegisterEntry).where(RegisterEntry.operation_id == operation_id))
        return bulk_insert(conn, RegisterEntry.__tablename__, cols, rows)
