"""`safeguard ruleset`: show the active risk ruleset, check a ruleset file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from safeguard.cli.common import JSON, console, emit_json, handle_errors, settings

__all__ = ["register"]

ruleset_app = typer.Typer(
    help="The risk ruleset (weights, thresholds, lifts, tier names, timescales): show, check.",
    no_args_is_help=True,
)


def _summary(ruleset: Any) -> dict[str, Any]:
    return {
        "name": ruleset.name,
        "version": ruleset.version,
        "sha256": ruleset.sha256,
        "source": ruleset.source,
        "tiers": [
            {
                "code": t.tier.value,
                "name": t.name,
                "key": t.key,
                "min_score": t.min_score,
                "timescale_days": t.timescale.days,
                "timescale": t.timescale.text,
            }
            for t in ruleset.tiers
        ],
        "lifts": [{"tier": t.value, "flags": sorted(f)} for t, f in ruleset.lifts],
        "factors": {f.name: p.model_dump(mode="json") for f, p in ruleset.factors},
    }


def _print(doc: dict[str, Any]) -> None:
    console.print(f"[bold]{doc['name']}/{doc['version']}[/] from {doc['source']}")
    console.print(f"sha256 {doc['sha256']}")
    tiers = Table("code", "tier", "min score", "target", title="Tiers")
    for t in doc["tiers"]:
        tiers.add_row(t["code"], t["name"], f"{t['min_score']:g}", t["timescale"])
    console.print(tiers)
    lifts = Table("lifts to", "when all of these flags", title="Lifts")
    for lift in doc["lifts"]:
        lifts.add_row(lift["tier"], ", ".join(lift["flags"]))
    console.print(lifts)
    factors = Table("factor", "parameters", title="Factors")
    for name, params in doc["factors"].items():
        factors.add_row(name, ", ".join(f"{k}={v}" for k, v in params.items()))
    console.print(factors)


@ruleset_app.command("show")
@handle_errors
def show_command(as_json: bool = JSON) -> None:
    """Print the active ruleset ($SAFEGUARD_RULESET, else the built-in one)."""
    from safeguard.assess.ruleset import load_ruleset

    doc = _summary(load_ruleset(settings()))
    emit_json(doc) if as_json else _print(doc)


@ruleset_app.command("check")
@handle_errors
def check_command(
    path: Path = typer.Argument(..., help="Ruleset file (YAML) to validate."), as_json: bool = JSON
) -> None:
    """Validate a ruleset file: an error names the key and its line; nothing is run."""
    from safeguard.assess.ruleset import read_ruleset

    ruleset = read_ruleset(path)
    if as_json:
        emit_json({"valid": True, **_summary(ruleset)})
    else:
        console.print(f"{path}: valid ruleset {ruleset.label} (sha256 {ruleset.sha256[:12]})")


def register(app: typer.Typer) -> None:
    app.add_typer(ruleset_app, name="ruleset")
