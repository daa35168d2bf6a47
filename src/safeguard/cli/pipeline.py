"""`safeguard run` (the whole pipeline) and `safeguard runs` (what ran, with what)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from safeguard.cli.common import (
    JSON,
    OPERATION,
    OPERATION_FILTER,
    PROGRESS,
    RichProgress,
    check_choice,
    console,
    emit_json,
    err_console,
    handle_errors,
    open_store,
    operation_filter,
    operation_name,
    settings,
    warn,
)
from safeguard.records import RECIPIENT_KINDS

if TYPE_CHECKING:
    from safeguard.pipeline import PipelineInputs
    from safeguard.store.db import Store
    from safeguard.track import OperationSummary

__all__ = ["print_summary", "register"]


def _spread(value: dict[str, float | int | None], unit: str) -> str:
    if not value.get("n"):
        return "none yet"
    return f"median {value['median']} {unit}, p90 {value['p90']} {unit} (n={value['n']})"


def print_summary(summary: OperationSummary) -> None:
    from safeguard.refdata import uk

    console.print(f"[bold]Operation {summary.operation}[/]")
    table = Table(show_header=False, box=None)
    table.add_row("accounts received", f"{summary.accounts:,}")
    table.add_row("rows quarantined", f"{summary.quarantined_rows:,}")
    table.add_row("UK-attributed accounts", f"{summary.uk_accounts:,}")
    table.add_row("non-UK accounts (referrals)", f"{summary.non_uk_accounts:,}")
    table.add_row("subjects", f"{summary.subjects:,}")
    for tier, n in summary.tiers.items():
        table.add_row(f"  tier {tier}", f"{n:,}")
    table.add_row("packages", f"{sum(summary.packages_by_force.values()):,}")
    for kind, n in summary.packages_by_recipient.items():
        table.add_row(f"  for {RECIPIENT_KINDS.get(kind, kind)}", f"{n:,}")
    for tier, n in summary.packages_by_tier.items():
        table.add_row(f"  tier {tier}", f"{n:,}")
    for label, n in (
        ("disseminated", summary.disseminated),
        ("acknowledged", summary.acknowledged),
        ("arrests", summary.arrests),
        ("charged", summary.charged),
        ("convicted", summary.convicted),
        ("children safeguarded", summary.children_safeguarded),
        ("  at serious risk", summary.children_at_serious_risk),
        ("properties searched", summary.properties_searched),
        ("devices examined", summary.devices_examined),
        ("arrested: in positions of trust", summary.arrested_in_positions_of_trust),
        ("arrested: registered sex offenders", summary.arrested_registered_sex_offenders),
    ):
        table.add_row(label, f"{n:,}")
    table.add_row("receipt to dissemination", _spread(summary.receipt_to_dissemination_hours, "h"))
    table.add_row("receipt to arrest", _spread(summary.receipt_to_arrest_days, "days"))
    console.print(table)
    names = uk.forces()
    forces = Table("force", "id", "packages", title="Packages per force")
    for force, n in sorted(summary.packages_by_force.items(), key=lambda kv: -kv[1]):
        forces.add_row(names[force].name if force in names else force, force, f"{n:,}")
    console.print(forces)


def _inputs(
    delivery: Path,
    synth_dir: Path | None,
    hashsets: list[Path],
    scheme: str,
    checks: Path | None,
    register_csv: Path | None,
) -> PipelineInputs:
    from safeguard.pipeline import HashSetInput, PipelineInputs, synth_inputs

    base = synth_inputs(synth_dir, delivery) if synth_dir else PipelineInputs(delivery=delivery)
    extra = tuple(HashSetInput(p, p.stem.split(".")[0], scheme) for p in hashsets)
    return PipelineInputs(
        delivery=delivery,
        hash_sets=(*base.hash_sets, *extra),
        checks=checks or base.checks,
        register=register_csv or base.register,
        geoip_city=base.geoip_city,
        geoip_anonymous=base.geoip_anonymous,
    )


@handle_errors
def run_command(
    delivery: Path = typer.Argument(..., help="Delivery directory or archive to ingest."),
    operation: str | None = OPERATION,
    synth_dir: Path | None = typer.Option(
        None,
        help="Output of `safeguard synth`: take hash sets, checks, register and GeoIP from it.",
    ),
    hashset: list[Path] = typer.Option([], "--hashset", help="Hash set file to import (repeat)."),
    scheme: str = typer.Option("uk", help="Category scheme of --hashset files."),
    checks: Path | None = typer.Option(None, help="Police checks returns (checks.csv)."),
    register_csv: Path | None = typer.Option(None, "--register", help="Known-subject register."),
    as_json: bool = JSON,
    progress_bars: bool = PROGRESS,
) -> None:
    """Run ingest → match → attribute → resolve → assess → package on one delivery."""
    from safeguard.pipeline import run_pipeline

    op = operation_name(operation)
    cfg = settings()
    store = open_store(cfg)
    inputs = _inputs(delivery, synth_dir, hashset, scheme, checks, register_csv)
    with RichProgress(enabled=not as_json, force=progress_bars) as progress:
        summary = run_pipeline(
            store,
            cfg,
            op,
            inputs,
            user=cfg.user,
            progress=progress,
            on_step=lambda step: None if as_json else err_console.print(f"stage: {step}"),
            on_warning=warn,
        )
    if as_json:
        emit_json(summary.to_json())
    else:
        print_summary(summary)


def _run_docs(
    store: Store, operation: str | None, limit: int, after: int = 0
) -> list[dict[str, Any]]:
    """Stage runs, newest first: all of them, or only those with an id above ``after``."""
    from sqlalchemy import select

    from safeguard.store.models import Operation, StageRun

    with store.session() as s:
        q = select(StageRun, Operation.name).outerjoin(Operation).order_by(StageRun.id.desc())
        if operation:
            q = q.where(Operation.name == operation)
        rows = s.execute(q.where(StageRun.id > after).limit(limit)).all()
    return [
        {
            "id": r.id,
            "operation": name,
            "stage": r.stage,
            "status": r.status,
            "code_version": r.code_version,
            "config_hash": r.config_hash,
            "config": r.config,
            "started_at": r.started_at,
            "seconds": r.seconds,
            "counts": r.counts,
            "timings": r.timings,
            "error": r.error,
        }
        for r, name in rows
    ]


@handle_errors
def runs_command(
    operation: str | None = OPERATION_FILTER,
    limit: int = typer.Option(50, min=1, help="Show the newest N runs."),
    as_json: bool = JSON,
) -> None:
    """List stage runs: stage, code version, config hash, counts, warnings, timings."""
    docs = _run_docs(open_store(), operation_filter(operation), limit)
    if as_json:
        emit_json(docs)
        return
    table = Table("id", "operation", "stage", "status", "seconds", "config", "counts")
    for d in docs:
        counts = ", ".join(f"{k}={v}" for k, v in d["counts"].items() if not isinstance(v, dict))
        table.add_row(
            str(d["id"]),
            d["operation"] or "",
            d["stage"],
            d["status"],
            f"{d['seconds'] or 0:.1f}",
            d["config_hash"][:12],
            counts[:80],
        )
    console.print(table)


#: Stages `rerun` takes, in pipeline order (a test checks it against ``pipeline.STAGES``).
RERUN_STAGES = ("match", "attribute", "resolve", "assess", "package", "track")


def _with_warnings(store: Store, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each run with the warnings it kept (kind, message, ref), oldest run first."""
    from sqlalchemy import select

    from safeguard.store.models import StageWarning

    ids = [d["id"] for d in docs]
    with store.session() as s:
        rows = s.scalars(
            select(StageWarning).where(StageWarning.run_id.in_(ids)).order_by(StageWarning.id)
        ).all()
    kept: dict[int, list[dict[str, str]]] = {i: [] for i in ids}
    for w in rows:
        kept[w.run_id].append({"kind": w.kind, "message": w.message, "ref": w.ref})
    return [{**d, "warnings": kept[d["id"]]} for d in reversed(docs)]


def _print_reruns(docs: list[dict[str, Any]]) -> None:
    for d in docs:
        counts = dict(d["counts"])
        warned = counts.pop("warnings", {}) or {}
        flat = ", ".join(f"{k}={v}" for k, v in counts.items() if not isinstance(v, dict))
        console.print(
            f"re-ran {d['stage']} (run {d['id']}, {d['status']}, {d['seconds'] or 0:.1f} s): "
            f"{flat or 'no counts'}",
            highlight=False,
            soft_wrap=True,
        )
        for kind, n in sorted(warned.items()):
            console.print(f"  [yellow]warning[/] {kind}: {n:,}", highlight=False)


@handle_errors
def rerun_command(
    stage: str = typer.Argument(..., help="One of: " + ", ".join(RERUN_STAGES) + "."),
    operation: str | None = OPERATION,
    downstream: bool = typer.Option(False, help="Also re-run every later stage."),
    geoip_city: Path | None = typer.Option(None, help="MaxMind City database for attribute."),
    geoip_anonymous: Path | None = typer.Option(None, help="MaxMind Anonymous-IP database."),
    as_json: bool = JSON,
    progress_bars: bool = PROGRESS,
) -> None:
    """Re-run one stage on an operation already in the store (e.g. assess after enrich).

    Prints each stage run's counts and warnings (with --json: the runs as `runs --json` gives
    them, oldest first, each with the warnings it kept).
    """
    from safeguard.pipeline import rerun_stage

    check_choice(stage, RERUN_STAGES, "STAGE")
    op = operation_name(operation)
    cfg = settings()
    cfg = dataclasses.replace(
        cfg,
        geoip_city=geoip_city or cfg.geoip_city,
        geoip_anonymous=geoip_anonymous or cfg.geoip_anonymous,
    )
    store = open_store(cfg)
    if stage in ("attribute", "resolve") or (downstream and stage == "match"):
        from safeguard.attribute import geoip_warnings

        for line in geoip_warnings(cfg):
            warn(line)
    before = max((d["id"] for d in _run_docs(store, None, 1)), default=0)
    with RichProgress(enabled=not as_json, force=progress_bars) as progress:
        ran = rerun_stage(store, cfg, stage, op, progress=progress, downstream=downstream)
    runs = _with_warnings(store, _run_docs(store, op, 10 * len(ran) + 10, after=before))
    if as_json:
        emit_json({"operation": op, "stages": ran, "runs": runs})
    else:
        _print_reruns(runs)


def register(app: typer.Typer) -> None:
    app.command("run")(run_command)
    app.command("rerun")(rerun_command)
    app.command("runs")(runs_command)
