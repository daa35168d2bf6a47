"""`safeguard checks` (request, possible matches, quarantine) and `safeguard enrich`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from safeguard.cli.common import (
    JSON,
    OPERATION,
    console,
    emit_json,
    handle_errors,
    open_store,
    operation_name,
    settings,
)
from safeguard.errors import PipelineError

__all__ = ["register"]

checks_app = typer.Typer(
    help="Police checks: write the request, review possible matches and quarantined rows.",
    no_args_is_help=True,
)


@checks_app.command("request")
@handle_errors
def request_command(
    operation: str | None = OPERATION,
    tier: list[str] = typer.Option(["1", "2"], "--tier", help="Tiers to include (repeat)."),
    out: Path = typer.Option(Path("checks-request.csv"), "--out", help="CSV file to write."),
    as_json: bool = JSON,
) -> None:
    """Write the list to send for police checks: one row per UK subject, every identifier."""
    from safeguard.assess.requests import build_request, write_request
    from safeguard.assess.ruleset import load_ruleset

    ruleset = load_ruleset(settings())
    tiers = tuple(ruleset.parse_tier(t).value for t in tier)
    store = open_store()
    op_id = store.operation_id(operation_name(operation))
    with store.session() as s:
        rows = build_request(s, op_id, ruleset, tiers)
    if as_json:
        emit_json(rows)
        return
    write_request(out, rows)
    console.print(f"checks request for {len(rows):,} subject(s) written to {out}")


def _counts(store: Any, op_id: int, load_id: int) -> dict[str, int]:
    """How the rows of one load meet the operation's current subjects."""
    from sqlalchemy import select

    from safeguard.assess.checkmatch import load_subject_keys, match_row
    from safeguard.store.models import CheckFinding

    counts = {"matched": 0, "possible": 0, "nobody": 0}
    with store.transaction() as conn:
        table = CheckFinding.__table__
        rows = conn.execute(select(table).where(table.c.load_id == load_id)).all()
        keys = load_subject_keys(conn, op_id, rows)
        for row in rows:
            found = match_row(keys, row)
            status = "nobody" if not found else found[0].status
            counts[status] += 1
    return counts


@handle_errors
def enrich_command(
    operation: str | None = OPERATION,
    checks: Path | None = typer.Option(None, help="Police checks returns (checks.csv)."),
    register_csv: Path | None = typer.Option(None, "--register", help="Known-subject register."),
    as_json: bool = JSON,
) -> None:
    """Load checks returns and/or the register; say how the rows meet subjects (then
    `safeguard assess run` applies them)."""
    from safeguard.assess.enrichment import load_checks, load_register

    if checks is None and register_csv is None:
        raise PipelineError("give --checks and/or --register")
    cfg = settings()
    store = open_store(cfg)
    op_id = store.operation_id(operation_name(operation))
    doc: dict[str, Any] = {}
    if checks:
        result = load_checks(store, op_id, checks, user=cfg.user)
        doc["checks"] = {
            "load_id": result.load_id, "rows": result.rows, "already_loaded": result.already_loaded,
            "quarantined": len(result.quarantined),
            "quarantine": [q.__dict__ for q in result.quarantined],
            **_counts(store, op_id, result.load_id),
        }  # fmt: skip
    if register_csv:
        doc["register_rows"] = load_register(store, op_id, register_csv)
    if as_json:
        emit_json(doc)
    else:
        _print_enrich(doc)


def _print_enrich(doc: dict[str, Any]) -> None:
    c = doc.get("checks")
    if c:
        again = " (this file was already loaded: nothing changed)" if c["already_loaded"] else ""
        console.print(
            f"checks load {c['load_id']}: {c['rows']:,} row(s) kept, {c['quarantined']:,} "
            f"quarantined{again}; {c['matched']:,} met a subject, {c['possible']:,} possible "
            f"match(es) to verify, {c['nobody']:,} met nobody"
        )
        for q in c["quarantine"][:20]:
            console.print(f"  line {q['line']} [{q['column']}] {q['reason']}: {q['detail']}")
    if "register_rows" in doc:
        console.print(f"register rows loaded: {doc['register_rows']:,}")


@checks_app.command("possible")
@handle_errors
def possible_command(operation: str | None = OPERATION, as_json: bool = JSON) -> None:
    """Returns rows that may be a subject's: "possible match — verify" (from the last assess)."""
    from sqlalchemy import select

    from safeguard.store.models import CheckFinding, CheckMatch, Subject

    store = open_store()
    op_id = store.operation_id(operation_name(operation))
    with store.session() as s:
        rows = s.execute(
            select(CheckMatch, CheckFinding, Subject.label)
            .join(CheckFinding, CheckFinding.id == CheckMatch.check_id)
            .join(Subject, Subject.id == CheckMatch.subject_id)
            .where(CheckMatch.operation_id == op_id, CheckMatch.status == "possible")
            .order_by(CheckFinding.id, CheckMatch.score.desc())
        ).all()
    docs: list[dict[str, Any]] = [
        {"ref": f"check:{c.id}", "line": c.line, "kind": c.kind, "value": c.value,
         "finding": c.finding, "source": c.source, "subject": label, "score": m.score,
         "agreed": m.fields}
        for m, c, label in rows
    ]  # fmt: skip
    if as_json:
        emit_json(docs)
        return
    table = Table("check", "line", "key", "finding", "subject?", "score", "agreed")
    for d in docs:
        table.add_row(d["ref"], str(d["line"]), f"{d['kind']}={d['value']}", d["finding"],
                      d["subject"], f"{d['score']:.2f}", ", ".join(d["agreed"]))  # fmt: skip
    console.print(table)


@checks_app.command("quarantine")
@handle_errors
def quarantine_command(operation: str | None = OPERATION, as_json: bool = JSON) -> None:
    """Returns rows refused by validation: file, line, column, reason, the row itself."""
    from sqlalchemy import select

    from safeguard.store.models import ChecksLoad, ChecksQuarantine

    store = open_store()
    op_id = store.operation_id(operation_name(operation))
    with store.session() as s:
        rows = s.scalars(
            select(ChecksQuarantine)
            .join(ChecksLoad, ChecksLoad.id == ChecksQuarantine.load_id)
            .where(ChecksLoad.operation_id == op_id)
            .order_by(ChecksQuarantine.id)
        ).all()
        names = ("load_id", "file", "line", "column", "reason", "detail", "raw")
        docs: list[dict[str, Any]] = [{n: getattr(q, n) for n in names} for q in rows]
    if as_json:
        emit_json(docs)
        return
    table = Table("file", "line", "column", "reason", "detail", "raw")
    for d in docs:
        table.add_row(d["file"], str(d["line"]), d["column"], d["reason"], d["detail"], d["raw"])
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(checks_app, name="checks")
    app.command("enrich")(enrich_command)
