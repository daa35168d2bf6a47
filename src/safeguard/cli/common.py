"""What every CLI verb shares: console, Rich progress, store opening, JSON output, errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from safeguard.config import Settings, load_settings
from safeguard.errors import SafeguardError
from safeguard.progress import ProgressTask
from safeguard.store.db import Store

__all__ = [
    "OPERATION",
    "RichProgress",
    "console",
    "emit_json",
    "err_console",
    "handle_errors",
    "open_store",
    "operation_name",
    "settings",
    "warn",
]

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")


def settings() -> Settings:
    return load_settings()


def open_store(cfg: Settings | None = None) -> Store:
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


def warn(message: str) -> None:
    """A warning the user must see (standard error, one line, also under ``--json``)."""
    err_console.print(f"[bold yellow]warning:[/] {message}", highlight=False, soft_wrap=True)


def emit_json(value: Any) -> None:
    """Machine-readable output: one JSON document on stdout, nothing else."""
    sys.stdout.write(json.dumps(value, indent=2, sort_keys=True, default=str) + "\n")


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a :class:`SafeguardError` into a one-line message and its exit code."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except SafeguardError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
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
    """The CLI's :class:`safeguard.progress.Progress`: one bar per task, on stderr."""

    def __init__(self, *, enabled: bool = True) -> None:
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=err_console,
            disable=not enabled,
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
