"""`safeguard audit`: verify the hash-chained audit log and list its events."""

from __future__ import annotations

import typer

from safeguard.cli.common import JSON, console, emit_json, err_console, handle_errors, open_store

__all__ = ["register"]

audit_app = typer.Typer(help="The append-only, hash-chained audit log.", no_args_is_help=True)


@audit_app.command("verify")
@handle_errors
def verify_command(
    expect_head: str | None = typer.Option(
        None,
        "--expect-head",
        help="Head hash recorded at an earlier verify (finds deletions from the end).",
    ),
    expect_events: int | None = typer.Option(
        None, "--expect-events", help="Event count recorded at an earlier verify."
    ),
    as_json: bool = JSON,
) -> None:
    """Check every event's hash and link; name each edited, inserted or deleted event.

    Exits 0 when the chain is intact, 9 when it is not. Record the printed head and count
    somewhere outside the store to detect later deletions from the end of the log.
    """
    from safeguard.store.audit import check_chain

    with open_store().session() as s:
        check = check_chain(s, expect_head=expect_head, expect_events=expect_events)
    if as_json:
        emit_json(
            {
                "intact": check.intact,
                "events": check.events,
                "head_id": check.head_id,
                "head_hash": check.head_hash,
                "problems": [p.__dict__ for p in check.problems],
            }
        )
    elif check.intact:
        console.print(
            f"audit log intact: {check.events:,} events, head {check.head_id} {check.head_hash}",
            highlight=False,
        )
    for p in check.problems if not as_json else ():
        where = f"event {p.event_id}" if p.event_id is not None else "end of log"
        err_console.print(f"[bold red]{p.kind}[/] at {where}: {p.detail}", highlight=False)
    if not check.intact:
        raise typer.Exit(9)


@audit_app.command("list")
@handle_errors
def list_command(
    limit: int = typer.Option(50, "--limit", min=1, max=10_000, help="Newest events to show."),
    actor: str | None = typer.Option(None, "--actor", help="Only this person's events."),
    as_json: bool = JSON,
) -> None:
    """The newest audit events: when, who, what, target."""
    from rich.table import Table
    from sqlalchemy import select

    from safeguard.store.models import AuditEvent

    q = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if actor:
        q = q.where(AuditEvent.actor == actor)
    with open_store().session() as s:
        events = list(s.scalars(q))
    docs = [
        {
            "id": e.id,
            "at": e.at.isoformat(),
            "actor": e.actor,
            "action": e.action,
            "target": e.target,
            "detail": e.detail,
        }
        for e in events
    ]
    if as_json:
        emit_json(docs)
        return
    table = Table("id", "at", "actor", "action", "target")
    for e in events:
        table.add_row(str(e.id), e.at.isoformat(), e.actor, e.action, e.target)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
