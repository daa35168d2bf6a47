"""``safeguard synth``: write a synthetic operation for demos, tests and benchmarks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from safeguard.cli.common import JSON, PROGRESS, RichProgress, console, emit_json, handle_errors

if TYPE_CHECKING:
    from safeguard.synth import SynthSummary

__all__ = ["register"]


def _print_summary(summary: SynthSummary) -> None:
    table = Table(title=f"Synthetic operation in {summary.out}", show_header=True)
    table.add_column("output")
    table.add_column("rows", justify="right")
    table.add_column("malformed on purpose", justify="right")
    for name, rows in summary.rows.items():
        table.add_row(name, f"{rows:,}", f"{summary.bad_rows.get(name, 0):,}")
    console.print(table)
    console.print(
        f"{summary.accounts:,} accounts, {summary.persons:,} persons "
        f"({summary.uk_persons:,} in the UK), {summary.events:,} events "
        f"in {summary.seconds:.1f} s"
    )


def synth(
    out: Path = typer.Argument(..., help="New (or empty) directory to write the operation into."),
    accounts: int = typer.Option(..., "--accounts", "-n", help="Number of platform accounts."),
    seed: int = typer.Option(..., "--seed", "-s", help="Random seed; same seed, same bytes."),
    events_per_account: int = typer.Option(
        100, "--events-per-account", help="Mean logins + file events + messages per account."
    ),
    uk_share: float = typer.Option(0.35, "--uk-share", help="Share of persons living in the UK."),
    bad_rows: float = typer.Option(
        0.001, "--bad-rows", help="Share of event rows deliberately malformed (quarantine test)."
    ),
    lexicon: Path | None = typer.Option(
        None, "--lexicon", help="Indicator-phrase lexicon JSON (default: the shipped one)."
    ),
    as_json: bool = JSON,
    progress_bars: bool = PROGRESS,
) -> None:
    """Write a synthetic delivery, hash sets, checks, register, GeoIP DBs and ground truth."""
    from safeguard.synth import generate

    with RichProgress(enabled=not as_json, force=progress_bars) as progress:
        summary = generate(
            out,
            accounts=accounts,
            seed=seed,
            events_per_account=events_per_account,
            uk_share=uk_share,
            bad_rows=bad_rows,
            lexicon=lexicon,
            progress=progress,
        )
    if as_json:
        emit_json(summary.to_dict())
    else:
        _print_summary(summary)


def register(app: typer.Typer) -> None:
    app.command("synth")(handle_errors(synth))
