"""The ``safeguard`` Typer application: each verb group registers itself from its module."""

from __future__ import annotations

import importlib
import traceback
from pathlib import Path

import typer

from safeguard import __version__

__all__ = ["VERB_MODULES", "app", "main"]

app = typer.Typer(
    name="safeguard",
    help=(
        "Safeguard: ingest a partner's handover, match known material, attribute, link, "
        "prioritise and package intelligence for UK police forces. Hashes and metadata only."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Modules under ``safeguard.cli`` that each define ``register(app)``.
VERB_MODULES: tuple[str, ...] = (
    "assess",
    "audit",
    "checks",
    "hashsets",
    "ingest",
    "keys",
    "match",
    "operations",
    "outcomes",
    "packages",
    "pipeline",
    "plugins",
    "queue",
    "referrals",
    "report",
    "ruleset",
    "scan",
    "serve",
    "subjects",
    "synth",
    "users",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"safeguard {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Safeguard command line."""


for _name in VERB_MODULES:
    importlib.import_module(f"safeguard.cli.{_name}").register(app)


def main() -> None:
    """The ``safeguard`` entry point: a bug still ends in one line on stderr, not a traceback."""
    try:
        app()
    except Exception as exc:  # every expected error is a SafeguardError or a usage error
        from safeguard.cli.common import err_console

        where = traceback.extract_tb(exc.__traceback__)[-1]
        err_console.print(
            f"error: unexpected {type(exc).__name__}: {exc} "
            f"(at {Path(where.filename).name}:{where.lineno}; please report it)",
            markup=False,
            highlight=False,
        )
        raise SystemExit(1) from None
