"""The CLI reference (``docs/cli.md``), generated from the commands themselves.

``make docs`` rewrites the file; a test fails when it differs, so the reference cannot drift.
"""

from __future__ import annotations

from typing import Any

import typer

__all__ = ["render_reference"]

INTRO = """\
# Command-line reference

Generated from the commands' own help by `make docs`; a test fails if it drifts.

Every verb has `--help`. The thing a verb acts on (a path, a delivery id, a subject label...)
is its argument; the operation it acts in is the option `--operation/-o NAME`, which defaults
to `$SAFEGUARD_OPERATION` (a verb that needs an operation and gets neither exits 2; a listing
without one covers every operation). Every verb accepts `--json`: it then prints exactly one
JSON document on standard output (UTF-8, keys sorted, timestamps as ISO 8601 strings) and
nothing else, so scripts can rely on it. Long work shows Rich progress bars on standard error
when it is a terminal (`--progress` shows them in a pipe or a log too). Errors are one line on
standard error, never a traceback. Exit codes: 0 success, 1 error, 2 bad usage or
configuration (an unknown option value, a missing operation, a port out of range), 3 a named
record does not exist, 4 a delivery was rejected, 5 an analyst's action was refused, 6 a
package failed verification, 7 a login, session or token is not valid, 8 access denied,
9 the audit log's chain is broken.
"""


def _params(command: Any) -> list[str]:
    """Arguments and options of a command (Typer vendors click: duck-typed on purpose)."""
    lines = []
    for p in command.params:
        if p.param_type_name == "argument":
            help_text = " ".join((p.help or "").split())
            lines.append(f"- `{p.name.upper()}` (argument): {help_text}".rstrip(": "))
        elif p.param_type_name == "option" and not p.hidden:
            names = ", ".join(f"`{o}`" for o in p.opts)
            help_text = " ".join((p.help or "").split())
            lines.append(f"- {names}: {help_text}" if help_text else f"- {names}")
    return lines


def _walk(command: Any, path: str) -> list[str]:
    out: list[str] = []
    if path != "safeguard":
        out += [f"## `{path}`", "", " ".join((command.help or "").split()), ""]
        params = _params(command)
        out += [*params, ""] if params else []
    subcommands = getattr(command, "commands", None) or {}
    for name in sorted(subcommands):
        out += _walk(subcommands[name], f"{path} {name}")
    return out


def render_reference(app: typer.Typer) -> str:
    root = typer.main.get_command(app)
    return INTRO + "\n" + "\n".join(_walk(root, "safeguard")).rstrip() + "\n"
