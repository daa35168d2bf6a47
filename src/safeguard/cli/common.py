"""What every CLI verb shares: console, Rich progress, store opening, JSON output, errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import wraps
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from safeguard.config import Settings, load_settings
from safeguard.errors import SafeguardError
from safeguard.progress import ProgressTask

if TYPE_CHECKING:  # imported when a command runs: start-up (--help, --version) stays fast
    from rich.progress import Progress

    from safeguard.store.db import Store

__all__ = [
    "JSON",
    "OPERATION",
    "OPERATION_FILTER",
    "PROGRESS",
    "RichProgress",
    "check_choice",
    "console",
    "emit_json",
    "err_console",
    "handle_errors",
    "open_store",
    "operation_filter",
    "operation_name",
    "settings",
    "warn",
]

console = Console()
#: Errors and notes: one line each however long (not wrapped at the console's width).
err_console = Console(stderr=True, soft_wrap=True)

P = ParamSpec("P")
R = TypeVar("R")


def settings() -> Settings:
    return load_settings()


def open_store(cfg: Settings | None = None) -> Store:
    from safeguard.store.db import Store

    return Store.open(cfg or settings())


#: The one way every verb takes the operation it acts on (``docs/cli.md``).
OPERATION = typer.Option(
    None, "--operation", "-o", help="Operation name (default: $SAFEGUARD_OPERATION)."
)


def operation_name(given: str | None) -> str:
    """The operation a command acts on: ``--operation/-o``, else ``SAFEGUARD_OPERATION``.

    Neither given is a usage error (exit 2), like any other missing required option.
    """
    name = given or settings().operation
    if not name:
        raise typer.BadParameter(
            "no operation given: pass --operation/-o NAME or set SAFEGUARD_OPERATION",
            param_hint="--operation",
        )
    return name


#: ``--operation/-o`` where it only narrows a listing (no operation given: every operation).
OPERATION_FILTER = typer.Option(
    None,
    "--operation",
    "-o",
    help="Only this operation (default: $SAFEGUARD_OPERATION, else every operation).",
)


def operation_filter(given: str | None) -> str | None:
    """The operation a listing is narrowed to, or None for every operation."""
    return given or settings().operation or None


#: ``--json`` on every verb: one JSON document on standard output and nothing else.
JSON = typer.Option(False, "--json", help="Machine-readable output (one JSON document).")

#: Progress bars go to a terminal only, unless asked for (a log, CI).
PROGRESS = typer.Option(
    False, "--progress", help="Show progress bars even when standard error is not a terminal."
)


def check_choice(value: str, choices: Iterable[str], option: str) -> str:
    """``value`` if it is one of ``choices``, else a usage error (exit 2) naming them."""
    names = list(choices)
    if value not in names:
        raise typer.BadParameter(f"{value!r} is not one of: {', '.join(names)}", param_hint=option)
    return value


def warn(message: str) -> None:
    """A warning the user must see (standard error, one line, also under ``--json``)."""
    err_console.print(f"[bold yellow]warning:[/] {message}", highlight=False, soft_wrap=True)


def emit_json(value: Any) -> None:
    """Machine-readable output: one JSON document on stdout, nothing else."""
    sys.stdout.write(json.dumps(value, indent=2, sort_keys=True, default=str) + "\n")
    sys.stdout.flush()


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a :class:`SafeguardError` into a one-line message and its exit code."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except SafeguardError as exc:
            message = " ".join(str(exc).splitlines())
            err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
            raise typer.Exit(exc.exit_code) from exc

    return wrapper


class _RichTask:
    def __init__(self, progress: Progress, task_id: Any) -> None:
        self._progress = progress
        self._id = task_id

    def advance(self, amount: float = 1) -> None:
        self._progress.advance(self._id, amount)

    def set_total(self, total: float | None) -> None:
        self._progress.update(self._id, total=total)


class RichProgress:
    """The CLI's :class:`safeguard.progress.Progress`: one bar per task, on stderr.

    Bars are drawn only on a terminal (never into a pipe or a log) unless ``force`` (the
    ``--progress`` option); ``enabled=False`` (e.g. under ``--json``) turns them off unless forced.
    """

    def __init__(self, *, enabled: bool = True, force: bool = False) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        shown = force or (enabled and err_console.is_terminal)
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=err_console,
            disable=not shown,
            transient=False,
        )

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def task(
        self, description: str, total: float | None = None
    ) -> AbstractContextManager[ProgressTask]:
        return self._task(description, total)

    @contextmanager
    def _task(self, description: str, total: float | None) -> Iterator[ProgressTask]:
        task_id = self._progress.add_task(description, total=total)
        try:
            yield _RichTask(self._progress, task_id)
        finally:
            task = self._progress.tasks[task_id]
            if task.total is None:
                self._progress.update(
                    task_id, total=task.completed or 1, completed=task.completed or 1
                )
            else:
                self._progress.update(task_id, completed=task.total)
