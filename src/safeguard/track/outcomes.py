"""Outcome events: what a recipient did with a sent package, entered one by one or from a CSV.

A force CSV (``docs/packages.md``, "Reporting outcomes") is imported all-or-nothing: every row
is checked first; one bad row refuses the whole file, its bad rows are quarantined with
file, line, column and reason, and nothing is recorded. Importing the same file again is a
no-op. Every recorded outcome is appended to the audit log.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal, get_args

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from safeguard.errors import ActionRefused, DeliveryRejected, NotFoundError
from safeguard.package.lifecycle import mark_actioned
from safeguard.store import audit
from safeguard.store.db import Store
from safeguard.store.models import IntelPackage, Outcome, OutcomeImport, OutcomeQuarantine

__all__ = [
    "CSV_COLUMNS",
    "OUTCOME_KINDS",
    "ImportResult",
    "OutcomeInput",
    "OutcomeKind",
    "import_csv",
    "record_outcome",
]

#: Every kind of outcome, in the order a case usually runs.
OutcomeKind = Literal[
    "accepted",
    "visit",
    "search",
    "arrest",
    "voluntary_interview",
    "devices_seized",
    "devices_examined",
    "charged",
    "convicted",
    "no_further_action",
    "children_safeguarded",
    "referred_elsewhere",
]
OUTCOME_KINDS: tuple[str, ...] = get_args(OutcomeKind)
CSV_COLUMNS = ("package", "kind", "date", "count", "offences", "sentence", "serious_risk", "detail")
_REQUIRED = ("package", "kind", "date")
_MAX_ERRORS_SHOWN = 20


@dataclass(frozen=True)
class OutcomeInput:
    reference: str
    kind: str
    occurred_on: date
    count: int = 1
    offences: str = ""
    sentence: str = ""
    serious_risk: int = 0
    detail: str = ""


@dataclass(frozen=True)
class ImportResult:
    file: str
    sha256: str
    status: str  # "imported" or "already imported"
    rows: int


def _row_problems(o: OutcomeInput, today: date) -> list[tuple[str, str]]:
    """What is wrong with ``o`` on its own, whatever the store holds."""
    out: list[tuple[str, str]] = []
    if o.kind not in OUTCOME_KINDS:
        out.append(
            ("kind", f"unknown outcome kind {o.kind!r}; one of: " + ", ".join(OUTCOME_KINDS))
        )
    if o.occurred_on > today:
        out.append(("date", f"{o.occurred_on.isoformat()} is in the future"))
    if o.count < 1:
        out.append(("count", "a count must be at least 1"))
    if o.serious_risk < 0 or o.serious_risk > o.count:
        out.append(("serious_risk", "must be between 0 and the count"))
    if o.serious_risk and o.kind != "children_safeguarded":
        out.append(("serious_risk", "only for children_safeguarded"))
    if o.kind == "charged" and not o.offences.strip():
        out.append(("offences", "a charge needs the offences charged"))
    if o.kind == "convicted" and not o.sentence.strip():
        out.append(("sentence", "a conviction needs the sentence"))
    return out


class _Book:
    """The operation's packages and charges, plus those added by the rows checked so far."""

    def __init__(self, s: Session, op_id: int) -> None:
        rows = s.execute(
            select(
                IntelPackage.reference,
                IntelPackage.id,
                IntelPackage.subject_id,
                IntelPackage.status,
                IntelPackage.sent_at,
            ).where(IntelPackage.operation_id == op_id)
        )
        self.packages = {ref: (pid, sid, status) for ref, pid, sid, status, _ in rows}
        self.sent_on = {ref: sent.date() for ref, _, _, _, sent in rows if sent is not None}
        self.charged: dict[int, str] = {}
        q = select(Outcome.subject_id, func.min(Outcome.occurred_on)).where(
            Outcome.operation_id == op_id, Outcome.kind == "charged"
        )
        for sid, first in s.execute(q.group_by(Outcome.subject_id)):
            if sid is not None:
                self.charged[int(sid)] = str(first)

    def problems(self, o: OutcomeInput, today: date) -> list[tuple[str, str]]:
        """(column, reason) for everything wrong with ``o``; empty when it can be recorded."""
        out = _row_problems(o, today)
        known = self.packages.get(o.reference)
        if known is None:
            out.append(("package", f"unknown package {o.reference!r}"))
            return out
        _pid, sid, status = known
        if status in ("draft", "approved"):
            out.append(("package", f"{o.reference} is {status}: it has not been sent"))
        elif o.reference in self.sent_on and o.occurred_on < self.sent_on[o.reference]:
            sent = self.sent_on[o.reference].isoformat()
            out.append(
                ("date", f"{o.occurred_on.isoformat()} is before the package was sent ({sent})")
            )
        if o.kind == "convicted":
            charged = self.charged.get(sid)
            if charged is None or charged > o.occurred_on.isoformat():
                out.append(("kind", "a conviction without an earlier charge for this subject"))
        return out

    def note(self, o: OutcomeInput) -> None:
        """Count ``o`` in for the rows after it (a charge earlier in the same file)."""
        sid = self.packages[o.reference][1]
        if o.kind == "charged":
            day = o.occurred_on.isoformat()
            self.charged[sid] = min(self.charged.get(sid, day), day)


def _insert(
    s: Session, op_id: int, book: _Book, o: OutcomeInput, *, user: str, source: str
) -> Outcome:
    pid, sid, _status = book.packages[o.reference]
    p = s.get(IntelPackage, pid)
    assert p is not None
    mark_actioned(s, p, user)
    outcome = Outcome(
        operation_id=op_id,
        package_id=pid,
        subject_id=sid,
        kind=o.kind,
        count=o.count,
        occurred_on=o.occurred_on.isoformat(),
        recorded_by=user,
        detail=o.detail,
        offences=o.offences,
        sentence=o.sentence,
        serious_risk=o.serious_risk,
        source=source,
    )
    s.add(outcome)
    s.flush()
    audit.append(
        s,
        user,
        "outcome.record",
        o.reference,
        {
            "outcome_id": outcome.id,
            "kind": o.kind,
            "count": o.count,
            "occurred_on": outcome.occurred_on,
            "source": source,
        },
    )
    book.packages[o.reference] = (pid, sid, "actioned")
    book.note(o)
    return outcome


def record_outcome(
    store: Store,
    operation: str,
    package_reference: str,
    kind: str,
    occurred_on: date,
    *,
    count: int = 1,
    detail: str = "",
    offences: str = "",
    sentence: str = "",
    serious_risk: int = 0,
    user: str,
    source: str = "cli",
) -> int:
    """Record one outcome entered by hand (``source``: "cli" or "web"); anything wrong is
    refused with every reason."""
    o = OutcomeInput(
        package_reference, kind, occurred_on, count, offences, sentence, serious_risk, detail
    )
    op_id = store.operation_id(operation)
    with store.session() as s:
        book = _Book(s, op_id)
        problems = book.problems(o, datetime.now(UTC).date())
        if problems:
            text = "; ".join(f"{col}: {why}" for col, why in problems)
            if o.reference not in book.packages:
                raise NotFoundError(f"no package {o.reference!r} in operation {operation!r}")
            raise ActionRefused(f"outcome refused: {text}")
        return _insert(s, op_id, book, o, user=user, source=source).id


def _int(raw: str, column: str, errors: list[tuple[str, str]]) -> int:
    try:
        return int(raw) if raw.strip() else (1 if column == "count" else 0)
    except ValueError:
        errors.append((column, f"not a whole number: {raw!r}"))
        return 1 if column == "count" else 0


def _parse(row: dict[str, str]) -> tuple[OutcomeInput | None, list[tuple[str, str]]]:
    errors: list[tuple[str, str]] = []
    for col in _REQUIRED:
        if not (row.get(col) or "").strip():
            errors.append((col, "missing"))
    day: date | None = None
    raw_day = (row.get("date") or "").strip()
    if raw_day:
        try:
            day = date.fromisoformat(raw_day)
        except ValueError:
            errors.append(("date", f"not a date (YYYY-MM-DD): {raw_day!r}"))
    count = _int(row.get("count") or "", "count", errors)
    serious = _int(row.get("serious_risk") or "", "serious_risk", errors)
    if errors or day is None:
        return None, errors
    return OutcomeInput(
        row["package"].strip(),
        row["kind"].strip(),
        day,
        count,
        (row.get("offences") or "").strip(),
        (row.get("sentence") or "").strip(),
        serious,
        (row.get("detail") or "").strip(),
    ), []


def _read(path: Path) -> tuple[list[tuple[int, dict[str, str]]], list[tuple[int, str, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DeliveryRejected(f"{path.name}: cannot read as UTF-8 CSV ({exc})") from exc
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    missing = [c for c in _REQUIRED if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if missing or unknown:
        col = (missing or unknown)[0]
        why = f"missing column(s) {missing}" if missing else f"unknown column(s) {unknown}"
        return [], [(1, col, why)]
    rows = [(reader.line_num, dict(r)) for r in reader]
    extra = [(line, "", "more fields than the header") for line, r in rows if None in r]
    return rows, extra


def _check(
    book: _Book, rows: list[tuple[int, dict[str, str]]], today: date
) -> tuple[list[tuple[int, OutcomeInput]], list[tuple[int, str, str]]]:
    """Every row checked; charges anywhere in the file count (forces need not sort rows)."""
    parsed = [(line, *_parse(row)) for line, row in rows]
    for _line, o, _errors in parsed:
        if o is not None and o.kind == "charged" and o.reference in book.packages:
            book.note(o)
    good: list[tuple[int, OutcomeInput]] = []
    bad: list[tuple[int, str, str]] = []
    for line, o, errors in parsed:
        problems = errors if o is None else book.problems(o, today)
        if problems:
            bad += [(line, col, why) for col, why in problems]
        elif o is not None:
            good.append((line, o))
    return good, bad


def _refuse(
    store: Store,
    op_id: int,
    path: Path,
    *,
    sha: str,
    rows: dict[int, dict[str, str]],
    bad: list[tuple[int, str, str]],
    user: str,
) -> None:
    with store.session() as s:
        old = select(OutcomeImport.id).where(
            OutcomeImport.operation_id == op_id,
            OutcomeImport.sha256 == sha,
            OutcomeImport.status == "refused",
        )
        s.execute(delete(OutcomeQuarantine).where(OutcomeQuarantine.import_id.in_(old)))
        s.execute(delete(OutcomeImport).where(OutcomeImport.id.in_(old)))
        imp = OutcomeImport(
            operation_id=op_id,
            file=path.name,
            sha256=sha,
            status="refused",
            rows=len(rows),
            imported_by=user,
        )
        s.add(imp)
        s.flush()
        for line, col, why in bad:
            s.add(
                OutcomeQuarantine(
                    import_id=imp.id,
                    line=line,
                    column=col,
                    reason=why,
                    raw=json.dumps(rows.get(line, {}), ensure_ascii=False),
                )
            )
        audit.append(
            s, user, "outcome.import_refused", path.name, {"sha256": sha, "quarantined": len(bad)}
        )
    shown = "\n".join(
        f"  {path.name}:{line}: {col or '-'}: {why}" for line, col, why in bad[:_MAX_ERRORS_SHOWN]
    )
    more = (
        f"\n  ... and {len(bad) - _MAX_ERRORS_SHOWN} more" if len(bad) > _MAX_ERRORS_SHOWN else ""
    )
    raise DeliveryRejected(
        f"{path.name}: {len(bad)} problem(s); nothing recorded (all-or-nothing), rows "
        f"quarantined (`safeguard outcomes quarantine`):\n{shown}{more}"
    )


def import_csv(
    store: Store, operation: str, path: Path, *, user: str, today: date | None = None
) -> ImportResult:
    """Import a force's outcomes CSV whole, or refuse it whole (module docstring)."""
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    op_id = store.operation_id(operation)
    today = today or datetime.now(UTC).date()
    with store.session() as s:
        done = s.scalar(
            select(OutcomeImport.id).where(
                OutcomeImport.operation_id == op_id,
                OutcomeImport.sha256 == sha,
                OutcomeImport.status == "imported",
            )
        )
        if done is not None:
            return ImportResult(path.name, sha, "already imported", 0)
        rows, bad = _read(path)
        good, problems = _check(_Book(s, op_id), rows, today)
        bad += problems
    if bad:
        _refuse(store, op_id, path, sha=sha, rows=dict(rows), bad=sorted(bad), user=user)
    with store.session() as s:
        book = _Book(s, op_id)
        s.add(
            OutcomeImport(
                operation_id=op_id,
                file=path.name,
                sha256=sha,
                status="imported",
                rows=len(good),
                imported_by=user,
            )
        )
        for line, o in good:
            _insert(s, op_id, book, o, user=user, source=f"csv:{sha[:16]}:{line}")
    return ImportResult(path.name, sha, "imported", len(good))


def quarantined(store: Store, operation: str) -> list[dict[str, Any]]:
    """The rows of refused outcome imports: file, line, column, reason, row."""
    op_id = store.operation_id(operation)
    with store.session() as s:
        q = (
            select(OutcomeImport, OutcomeQuarantine)
            .join(OutcomeQuarantine, OutcomeQuarantine.import_id == OutcomeImport.id)
            .where(OutcomeImport.operation_id == op_id)
            .order_by(OutcomeImport.id, OutcomeQuarantine.line)
        )
        return [
            {
                "file": i.file,
                "sha256": i.sha256,
                "line": r.line,
                "column": r.column,
                "reason": r.reason,
                "row": json.loads(r.raw or "{}"),
            }
            for i, r in s.execute(q)
        ]
