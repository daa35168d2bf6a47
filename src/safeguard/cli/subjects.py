"""`safeguard subjects`: analysts' split, merge and undo (list, show, override: cli/queue.py)."""

from __future__ import annotations

import typer

from safeguard import resolve
from safeguard.cli.common import console, emit_json, handle_errors, open_store, settings
from safeguard.resolve.actions import ActionResult
from safeguard.resolve.query import account_ids_for

__all__ = ["register"]

subjects_app = typer.Typer(
    help="Subjects (people) linked from accounts: list, show, split, merge, undo.",
    no_args_is_help=True,
)

_JSON = typer.Option(False, "--json", help="Machine-readable output.")
_WHY = typer.Option(..., "--justification", "-j", help="Why (recorded and audited).")


def _report(result: ActionResult, as_json: bool) -> None:
    if as_json:
        emit_json(
            {
                "action_id": result.action_id,
                "audit_event_id": result.audit_event_id,
                "subjects": result.subjects,
                "labels": list(result.labels),
            }
        )
        return
    console.print(
        f"action {result.action_id} recorded (audit event {result.audit_event_id}); "
        f"accounts now in {', '.join(result.labels)}; {result.subjects:,} subjects"
    )


@subjects_app.command("split")
@handle_errors
def split_command(
    operation: str = typer.Argument(..., help="Operation name."),
    accounts: list[str] = typer.Argument(..., help="Platform account ids to split off together."),
    justification: str = _WHY,
    as_json: bool = _JSON,
) -> None:
    """Move accounts out of their subject into a subject of their own (survives re-runs)."""
    store = open_store()
    op_id = store.operation_id(operation)
    with store.session() as s:
        ids = account_ids_for(s, op_id, accounts)
    result = resolve.split(store, op_id, ids, justification=justification, author=settings().user)
    _report(result, as_json)


@subjects_app.command("merge")
@handle_errors
def merge_command(
    operation: str = typer.Argument(..., help="Operation name."),
    labels: list[str] = typer.Argument(..., help="Labels of the subjects to merge (S-000123)."),
    justification: str = _WHY,
    as_json: bool = _JSON,
) -> None:
    """Merge subjects into one (survives re-runs)."""
    store = open_store()
    op_id = store.operation_id(operation)
    result = resolve.merge(
        store, op_id, labels, justification=justification, author=settings().user
    )
    _report(result, as_json)


@subjects_app.command("undo")
@handle_errors
def undo_command(
    action_id: int = typer.Argument(..., help="Id of the split or merge to undo."),
    justification: str = _WHY,
    as_json: bool = _JSON,
) -> None:
    """Undo a split or merge (it stays on record, marked reverted)."""
    result = resolve.undo(
        open_store(), action_id, justification=justification, author=settings().user
    )
    _report(result, as_json)


def register(app: typer.Typer) -> None:
    app.add_typer(subjects_app, name="subjects")
