"""`safeguard referrals` (international referral list) and `safeguard attribution` verbs."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from safeguard.cli.common import (
    JSON,
    OPERATION,
    PROGRESS,
    RichProgress,
    console,
    emit_json,
    err_console,
    handle_errors,
    open_store,
    operation_name,
    settings,
    warn,
)

__all__ = ["register"]

attribution_app = typer.Typer(
    help="Where accounts and subjects are: country, UK force, ROCU, confidence, evidence.",
    no_args_is_help=True,
)


class ReferralFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


@handle_errors
def referrals_command(
    operation: str | None = OPERATION,
    fmt: ReferralFormat = typer.Option(
        ReferralFormat.CSV, "--format", "-f", help="csv (one row per entry) or json (by country)."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-O", help="Write to this file instead of standard output."
    ),
    unlocated: bool = typer.Option(
        False,
        "--unlocated",
        help="List the unlocated people instead (no country: anonymous IPs only, or nothing).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Same as --format json."),
) -> None:
    """International referral list: each non-UK person once, accounts nested, by country.

    Unlocated people are never listed under a country: JSON shows them apart under
    ``unlocated``; CSV lists them only with ``--unlocated``.
    """
    from safeguard.attribute.referrals import (
        referral_list,
        referrals_csv,
        referrals_json,
        unlocated_list,
    )

    op = operation_name(operation)
    store = open_store()
    apart = unlocated_list(store, op)
    rows = apart if unlocated else referral_list(store, op)
    if fmt is ReferralFormat.CSV and not as_json:
        text = referrals_csv(rows)
    else:
        doc = referrals_json(op, [] if unlocated else rows, apart)
        text = json.dumps(doc, indent=2, sort_keys=True) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"{len(rows):,} people written to {output}")
    if apart and not unlocated and fmt is ReferralFormat.CSV:
        err_console.print(f"{len(apart):,} unlocated people not listed (see --unlocated)")


def _print_one(doc: dict[str, Any]) -> None:
    place = doc["force_id"] or "-"
    where = doc["country"] or f"unlocated ({doc.get('unlocated') or 'no-evidence'})"
    console.print(
        f"[bold]{doc['kind']} {doc['reference']}[/]: {where} / {place}"
        f" (ROCU {doc['rocu'] or '-'}), confidence [bold]{doc['confidence']}[/]"
        f" score {doc['score']:.2f}",
        highlight=False,
    )
    if doc["alternatives"]:
        alts = ", ".join(
            f"{a.get('force_id') or a.get('country')} {a['share']:.2f}" for a in doc["alternatives"]
        )
        console.print(f"  alternatives: {alts}", highlight=False)
    table = Table("source", "points to", "weight", "agreement", "detail")
    for item in doc["evidence"]:
        if item.get("source") == "confidence-rule":
            console.print(f"  rule: {item}", highlight=False)
            continue
        forces = ",".join(f["force_id"] for f in item.get("forces") or [])
        target = f"{item.get('country')}{'/' + forces if forces else ''}"
        detail = ", ".join(f"{k}={v}" for k, v in (item.get("detail") or {}).items())
        table.add_row(
            item["source"], target, f"{item['weight']:.3g}", item["agreement"], detail[:80]
        )
    console.print(table)


@attribution_app.command("show")
@handle_errors
def show_command(
    ref: str = typer.Argument(
        ..., help="Subject label, platform account id (ID or PLATFORM:ID) or numeric account id."
    ),
    operation: str | None = OPERATION,
    as_json: bool = JSON,
) -> None:
    """Show an account's or subject's attribution with all its evidence.

    REF must name one thing: a platform account id held on several platforms is ambiguous
    (a usage error, exit 2, naming the PLATFORM:ID forms to use).
    """
    from safeguard.attribute.lookup import show_attribution

    docs = show_attribution(open_store(), operation_name(operation), ref)
    if len(docs) > 1:
        refs = ", ".join(f"{d['kind']} {d['reference']}" for d in docs)
        raise typer.BadParameter(
            f"{ref!r} names {len(docs)} attributions ({refs}): give one of them", param_hint="REF"
        )
    if as_json:
        emit_json(docs[0])
    else:
        _print_one(docs[0])


@attribution_app.command("run")
@handle_errors
def run_command(
    operation: str | None = OPERATION,
    subjects: bool = typer.Option(
        False, "--subjects", help="Attribute subjects (after resolve) instead of accounts."
    ),
    as_json: bool = JSON,
    progress_bars: bool = PROGRESS,
) -> None:
    """Re-run attribution of an operation's accounts (or subjects), replacing the last run."""
    from safeguard.attribute import attribute_subjects, geoip_warnings
    from safeguard.attribute import run as attribute_accounts

    op = operation_name(operation)
    cfg = settings()
    store = open_store(cfg)
    if not subjects:
        for line in geoip_warnings(cfg):
            warn(line)
    stage = attribute_subjects if subjects else attribute_accounts
    with RichProgress(enabled=not as_json, force=progress_bars) as progress:
        result = stage(store, cfg, op, progress=progress)
    doc = {
        "attributed": result.attributed,
        "by_confidence": result.by_confidence,
        "by_country": result.by_country,
        "skipped_geolocators": list(result.skipped),
        "unlocated": result.unlocated,
    }
    if as_json:
        emit_json(doc)
        return
    console.print(f"attributed {result.attributed:,}; confidence {result.by_confidence}")
    if result.unlocated:
        console.print(f"unlocated (no country, no force): {result.unlocated}")


def register(app: typer.Typer) -> None:
    app.command("referrals")(referrals_command)
    app.add_typer(attribution_app, name="attribution")
