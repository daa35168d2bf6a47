"""`safeguard subjects`: analysts' split, merge and undo (list, show, override: cli/queue.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from safeguard.cli.common import (
    JSON,
    OPERATION,
    console,
    emit_json,
    handle_errors,
    open_store,
    operation_name,
    settings,
    warn,
)

if TYPE_CHECKING:
    from safeguard.resolve.actions import ActionResult
    from safeguard.store.db import Store

__all__ = ["register"]

subjects_app = typer.Typer(
    help="Subjects (people) linked from accounts: list, show, split, merge, undo.",
    no_args_is_help=True,
)

_WHY = typer.Option(..., "--justification", "-j", help="Why (recorded and audited).")


def _report(store: Store, result: ActionResult, as_json: bool) -> None:
    from safeguard.refresh import refresh_subjects

    done = refresh_subjects(store, settings(), result.operation_id)
    if as_json:
        emit_json(
            {
                "action_id": result.action_id,
                "audit_event_id": result.audit_event_id,
                "subjects": result.subjects,
                "labels": list(result.labels),
                "refreshed": {"attributed": done.attributed, "assessed": done.assessed},
                "stale": done.stale or None,
            }
        )
        return
    console.print(
        f"action {result.action_id} recorded (audit event {result.audit_event_id}); "
        f"accounts now in {', '.join(result.labels)}; {result.subjects:,} subjects"
    )
    if done.stale:
        warn(f"subjects not re-attributed or re-assessed: {done.stale}")
    else:
        console.print(f"re-attributed {done.attributed:,} subjects and re-assessed them")


@subjects_app.command("split")
@handle_errors
def split_command(
    accounts: list[str] = typer.Argument(..., help="Platform account ids to split off together."),
    operation: str | None = OPERATION,
    justification: str = _WHY,
    as_json: bool = JSON,
) -> None:
    """Move accounts out of their subject into a subject of their own (survives re-runs)."""
    from safeguard import resolve
    from safeguard.resolve.query import account_ids_for

    op = operation_name(operation)
    store = open_store()
    op_id = store.operation_id(op)
    with store.session() as s:
        ids = account_ids_for(s, op_id, accounts)
    result = resolve.split(store, op_id, ids, justification=justification, author=settings().user)
    _report(store, result, as_json)


@subjects_app.command("merge")
@handle_errors
def merge_command(
    labels: list[str] = typer.Argument(..., help="Labels of the subjects to merge (S-000123)."),
    operation: str | None = OPERATION,
    justification: str = _WHY,
    as_json: bool = JSON,
) -> None:
    """Merge subjects into one (survives re-runs)."""
    from safeguard import resolve

    op = operation_name(operation)
    store = open_store()
    op_id = store.operation_id(op)
    result = resolve.merge(
        store, op_id, labels, justification=justification, author=settings().user
    )
    _report(store, result, as_json)


@subjects_app.command("undo")
@handle_errors
def undo_command(
    action_id: int = typer.Argument(..., help="Id of the split or merge to undo."),
    justification: str = _WHY,
    as_json: bool = JSON,
) -> None:
    """Undo a split or merge (it stays on record, marked reverted)."""
    from safeguard import resolve

    store = open_store()
    result = resolve.undo(store, action_id, justification=justification, author=settings().user)
    _report(store, result, as_json)


def register(app: typer.Typer) -> None:
    app.add_typer(subjects_app, name="subjects")
