"""`safeguard assess`: assess an operation's subjects, list the runs, show what changed."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from safeguard.cli.common import (
    JSON,
    OPERATION,
    RichProgress,
    console,
    emit_json,
    handle_errors,
    open_store,
    operation_name,
    settings,
)

__all__ = ["register"]

assess_app = typer.Typer(
    help="Risk assessment: run it, list its versions, show what changed between two.",
    no_args_is_help=True,
)


@assess_app.command("run")
@handle_errors
def run_command(operation: str | None = OPERATION, as_json: bool = JSON) -> None:
    """Assess every subject with the active ruleset (kept as a new version)."""
    from safeguard import assess

    cfg = settings()
    with RichProgress(enabled=not as_json) as progress:
        result = assess.run(open_store(cfg), cfg, operation_name(operation), progress=progress)
    doc = {
        "run": result.run_id,
        "subjects": result.subjects,
        "tiers": result.tiers,
        "facts_changed": result.facts_changed,
    }
    if as_json:
        emit_json(doc)
        return
    tiers = ", ".join(f"tier {k}: {v:,}" for k, v in sorted(result.tiers.items()))
    console.print(f"assessment run {result.run_id}: {result.subjects:,} subjects ({tiers})")
    if result.facts_changed:
        console.print(
            f"{result.facts_changed:,} overridden subject(s): facts changed since override"
        )


@assess_app.command("runs")
@handle_errors
def runs_command(operation: str | None = OPERATION, as_json: bool = JSON) -> None:
    """List the assessment runs (versions) of an operation, newest first."""
    from sqlalchemy import select

    from safeguard.store.models import AssessmentRun

    store = open_store()
    op_id = store.operation_id(operation_name(operation))
    with store.session() as s:
        runs = s.scalars(
            select(AssessmentRun)
            .where(AssessmentRun.operation_id == op_id)
            .order_by(AssessmentRun.id.desc())
        ).all()
        docs: list[dict[str, Any]] = [
            {
                "run": r.id,
                "at": r.at,
                "ruleset": f"{r.ruleset_name}/{r.ruleset_version}",
                "ruleset_hash": r.ruleset_hash,
                "subjects": len(r.snapshot or {}),
                "inputs": r.inputs,
            }
            for r in runs
        ]
    if as_json:
        emit_json(docs)
        return
    table = Table("run", "at", "ruleset", "sha256", "subjects")
    for d in docs:
        table.add_row(
            str(d["run"]), str(d["at"])[:19], d["ruleset"], d["ruleset_hash"][:12],
            f"{d['subjects']:,}",
        )  # fmt: skip
    console.print(table)


def _print_diff(doc: dict[str, Any]) -> None:
    console.print(
        f"assessment run {doc['from_run']} → {doc['to_run']}: {len(doc['changes']):,} subject(s)"
        f" changed, {doc['tier_changes']:,} of them in tier"
    )
    new = doc["new_data"]
    if new["deliveries"]:
        console.print(f"new deliveries: {', '.join(map(str, new['deliveries']))}")
    if new["checks_loads"]:
        console.print(f"new checks returns loaded: {', '.join(map(str, new['checks_loads']))}")
    for a in new["actions"]:
        console.print(f"analyst's {a['action']} {a['id']}" + (" (undone)" if a["reverted"] else ""))
    if new["ruleset"][0] != new["ruleset"][1]:
        console.print(f"ruleset changed: {new['ruleset'][0]} → {new['ruleset'][1]}")
    table = Table("subject", "status", "tier", "score", "accounts", "reasons added", "removed")
    for c in doc["changes"]:
        table.add_row(
            c["label"], c["status"], " → ".join(str(t or "-") for t in c["tier"]),
            " → ".join(f"{s:g}" for s in c["score"]), " → ".join(map(str, c["accounts"])),
            "; ".join(f"{r['code']} (+{r['points']:g}) {r.get('text', '')}" for r in c["added"]),
            ", ".join(r["code"] for r in c["removed"]),
        )  # fmt: skip
    console.print(table)


@assess_app.command("diff")
@handle_errors
def diff_command(
    operation: str | None = OPERATION,
    since: int | None = typer.Option(
        None, "--since", help="Compare with this run (default: the run before the latest)."
    ),
    as_json: bool = JSON,
) -> None:
    """Subjects whose tier, score or reasons changed since an earlier assessment run."""
    from safeguard.assess.versions import diff

    store = open_store()
    op_id = store.operation_id(operation_name(operation))
    with store.session() as s:
        doc = diff(s, op_id, since)
    if as_json:
        emit_json(doc)
    else:
        _print_diff(doc)


def register(app: typer.Typer) -> None:
    app.add_typer(assess_app, name="assess")
