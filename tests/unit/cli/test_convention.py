"""One CLI convention on every verb, checked by walking the Typer app (docs/cli.md).

A verb takes the thing it acts on as an argument, the operation only as ``--operation/-o``
(defaulting to ``$SAFEGUARD_OPERATION``), and ``--json``. A new verb cannot escape this.
"""

from __future__ import annotations

from typing import Any

import pytest
import typer

from safeguard.cli.main import app

#: Commands being rewritten in other branches, which apply the convention themselves
#: (subjects list/show and enrich: issue 10; outcomes and summary: issue 11).
#: The coordinator empties this list once those branches are merged.
EXEMPT = {
    ("subjects", "list"),
    ("subjects", "show"),
    ("enrich",),
    ("outcomes", "record"),
    ("outcomes", "list"),
    ("summary",),
}


def _leaves(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    subs = getattr(command, "commands", None)
    if subs is None:
        return [(path, command)]
    return [leaf for name, sub in sorted(subs.items()) for leaf in _leaves(sub, (*path, name))]


LEAVES = [(p, c) for p, c in _leaves(typer.main.get_command(app)) if p not in EXEMPT]


def _problems(command: Any) -> list[str]:
    problems = []
    for p in command.params:
        named_operation = p.name == "operation" or "--operation" in getattr(p, "opts", [])
        if p.param_type_name == "argument" and named_operation:
            problems.append("the operation is an argument, not --operation/-o")
        elif named_operation and (p.opts != ["--operation", "-o"] or p.required):
            problems.append(f"operation option spelt {p.opts}, required={p.required}")
        elif "-o" in getattr(p, "opts", []) and not named_operation:
            problems.append(f"-o is taken by {p.opts}")
    if not any("--json" in getattr(p, "opts", []) for p in command.params):
        problems.append("no --json")
    return problems


@pytest.mark.parametrize(("path", "command"), LEAVES, ids=[" ".join(p) for p, _ in LEAVES])
def test_verb_follows_the_convention(path: tuple[str, ...], command: Any) -> None:
    assert _problems(command) == []


def test_the_convention_check_catches_the_old_dialects() -> None:
    old = typer.Typer()

    @old.command("ingest")
    def _ingest(operation: str, path: str) -> None: ...

    @old.command("attribution")
    def _show(ref: str, operation: str = typer.Option(..., "--operation", "-o")) -> None: ...

    group: Any = typer.main.get_command(old)
    found = {name: _problems(cmd) for name, cmd in group.commands.items()}
    assert found == {
        "ingest": ["the operation is an argument, not --operation/-o", "no --json"],
        "attribution": ["operation option spelt ['--operation', '-o'], required=True", "no --json"],
    }


def test_exempt_commands_exist() -> None:
    paths = {p for p, _ in _leaves(typer.main.get_command(app))}
    assert paths >= EXEMPT
