"""Police checks returns (FORMATS §4) and the known-subject register (§5) into the store.

A returns file is validated like a delivery: every row is either kept or quarantined with
file, line, column and reason (an unknown ``kind`` or ``finding``, a malformed ``name_dob``
or ``date``, an identifier that does not normalise); a file missing a required column is
refused whole, nothing written. Loading the same file again (same SHA-256) changes nothing;
another file adds its rows as a new load. Rows are matched to subjects by assess
(``assess/checkmatch.py``), through every identifier they carry.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, insert, select

from safeguard.assess.vocab import CHECK_FINDINGS, CHECK_KINDS
from safeguard.errors import FormatError
from safeguard.ingest.normalise import normalise_email, normalise_identifier
from safeguard.store.bulk import bulk_insert, json_text
from safeguard.store.db import Store
from safeguard.store.models import CheckFinding, ChecksLoad, ChecksQuarantine, RegisterEntry

__all__ = ["ChecksLoadResult", "load_checks", "load_register", "normalise_key"]

REQUIRED = ("kind", "value", "source", "finding")
REGISTER_COLUMNS = ("force_id", "reference", "kind", "value", "status", "contact")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Quarantined:
    line: int
    column: str
    reason: str
    detail: str
    raw: str


@dataclass
class ChecksLoadResult:
    load_id: int
    rows: int
    quarantined: list[Quarantined] = field(default_factory=list)
    already_loaded: bool = False


def normalise_key(kind: str, value: str) -> str:
    """The form a checks/register key is matched on (``name_dob``: ``name|YYYY-MM-DD``)."""
    if kind == "name_dob":
        name, _, dob = value.partition("|")
        return f"{' '.join(name.casefold().split())}|{dob.strip()}"
    if kind in ("account_id", "reference"):
        return value.strip()
    if kind == "email":
        found = normalise_email(value)
        if found is not None:
            return found[1] or found[0]  # a provider's dot/+tag forms are one mailbox
    normalised = normalise_identifier(kind, value, "GB")
    return normalised[0] if normalised else " ".join(value.casefold().split())


def _problem(row: dict[str, str]) -> tuple[str, str, str] | None:
    """(column, reason, detail) of what is wrong with a returns row, or None."""
    kind, value, finding = row["kind"].strip(), row["value"].strip(), row["finding"].strip()
    if kind not in CHECK_KINDS:
        return "kind", "unknown_kind", f"{kind!r} is not one of {', '.join(CHECK_KINDS)}"
    if finding not in CHECK_FINDINGS:
        near = difflib.get_close_matches(finding, CHECK_FINDINGS, n=1)
        hint = f" (did you mean {near[0]}?)" if near else ""
        return "finding", "unknown_finding", f"{finding!r} is not a known finding{hint}"
    if not value:
        return "value", "missing_value", "the identifier checked is empty"
    if not row["source"].strip():
        return "source", "missing_source", "which system answered is not said"
    date = (row.get("date") or "").strip()
    if date and not _DATE.match(date):
        return "date", "bad_date", f"{date!r} is not YYYY-MM-DD"
    return _value_problem(kind, value)


def _value_problem(kind: str, value: str) -> tuple[str, str, str] | None:
    if kind == "name_dob":
        name, sep, dob = value.partition("|")
        if not sep or not name.strip() or not _DATE.match(dob.strip()):
            return "value", "bad_name_dob", f"{value!r} is not 'Name|YYYY-MM-DD'"
    elif kind in ("email", "phone", "postcode") and normalise_identifier(kind, value, "GB") is None:
        return "value", f"bad_{kind}", f"{value!r} is not a valid {kind}"
    return None


def _read(path: Path) -> tuple[bytes, list[dict[str, str]]]:
    try:
        data = path.read_bytes()
        reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
        missing = set(REQUIRED) - set(reader.fieldnames or ())
        if missing:
            raise FormatError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        return data, [{k: v or "" for k, v in r.items() if k is not None} for r in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise FormatError(f"{path}: cannot read: {exc}") from exc


def _raw(row: dict[str, str]) -> str:
    return ",".join(row.values())


def load_checks(store: Store, operation_id: int, path: Path, *, user: str = "") -> ChecksLoadResult:
    """Load one returns file (all or nothing); the same file again is a no-op."""
    data, rows = _read(path)
    digest = hashlib.sha256(data).hexdigest()
    with store.transaction() as conn:
        known = conn.execute(
            select(ChecksLoad.id, ChecksLoad.rows).where(
                ChecksLoad.operation_id == operation_id, ChecksLoad.sha256 == digest
            )
        ).first()
        if known is not None:
            return ChecksLoadResult(int(known[0]), int(known[1]), already_loaded=True)
        kept, bad = _split(rows)
        load_id = conn.scalar(insert(ChecksLoad).returning(ChecksLoad.id).values(
            operation_id=operation_id, file=str(path), sha256=digest, loaded_by=user,
            rows=len(kept), quarantined=len(bad),
        ))  # fmt: skip
        assert load_id is not None
        bulk_insert(conn, CheckFinding.__tablename__, _CHECK_COLS,
                    ((operation_id, load_id, line, *_values(r)) for line, r in kept))  # fmt: skip
        bulk_insert(conn, ChecksQuarantine.__tablename__, _QUARANTINE_COLS,
                    ((load_id, str(path), q.line, q.column, q.reason, q.detail, q.raw)
                     for q in bad))  # fmt: skip
    return ChecksLoadResult(load_id, len(kept), bad)


_CHECK_COLS = (
    "operation_id", "load_id", "line", "kind", "value", "norm", "source", "finding", "detail",
    "date", "force_id", "attributes",
)  # fmt: skip
_KNOWN = frozenset(("kind", "value", "source", "finding", "detail", "date", "force_id"))
_QUARANTINE_COLS = ("load_id", "file", "line", "column", "reason", "detail", "raw")


def _split(
    rows: list[dict[str, str]],
) -> tuple[list[tuple[int, dict[str, str]]], list[Quarantined]]:
    kept, bad = [], []
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        problem = _problem(row)
        if problem is None:
            kept.append((line, row))
        else:
            bad.append(Quarantined(line, *problem, raw=_raw(row)))
    return kept, bad


def _values(r: dict[str, str]) -> tuple[str | None, ...]:
    kind, value = r["kind"].strip(), r["value"].strip()
    return (
        kind, value, normalise_key(kind, value), r["source"].strip(), r["finding"].strip(),
        r.get("detail") or "", (r.get("date") or "").strip() or None,
        (r.get("force_id") or "").strip() or None,
        json_text({k: v for k, v in r.items() if k not in _KNOWN and v}),
    )  # fmt: skip


def _register_rows(path: Path) -> Iterator[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            missing = {"force_id", "reference", "kind", "value"} - set(reader.fieldnames or ())
            if missing:
                raise FormatError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
            yield from reader
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise FormatError(f"{path}: cannot read: {exc}") from exc


def load_register(store: Store, operation_id: int, path: Path) -> int:
    """Load the known-subject register (replaces the operation's previous register)."""
    rows = [
        (
            operation_id, r["force_id"], r["reference"], r["kind"], r["value"],
            normalise_key(r["kind"], r["value"]), r.get("status") or "open", r.get("contact") or "",
        )
        for r in _register_rows(path)
    ]  # fmt: skip
    cols = ("operation_id", "force_id", "reference", "kind", "value", "norm", "status", "contact")
    with store.transaction() as conn:
        conn.execute(delete(RegisterEntry).where(RegisterEntry.operation_id == operation_id))
        return bulk_insert(conn, RegisterEntry.__tablename__, cols, rows)
