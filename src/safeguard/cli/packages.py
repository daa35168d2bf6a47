"""`safeguard packages` (list, show, recipient, approve, send, batch, ack, overdue) and
`safeguard package verify`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from safeguard.cli.common import (
    JSON,
    OPERATION,
    RichProgress,
    console,
    emit_json,
    handle_errors,
    open_store,
    operation_name,
    settings,
)

__all__ = ["register"]

packages_app = typer.Typer(
    help="Intelligence packages: review, choose recipient, approve, send, acknowledge.",
    no_args_is_help=True,
)
package_app = typer.Typer(help="Check a package file as a recipient would.", no_args_is_help=True)
_REF = typer.Argument(..., help="Package reference (e.g. demo-S-000123).")


def _table(docs: list[dict[str, Any]], *extra: str) -> None:
    table = Table("reference", "v", "tier", "recipient", "status", "drafted", "approved", *extra)
    for d in docs:
        table.add_row(
            d["reference"],
            str(d["version"]),
            d["tier"],
            d["recipient"],
            d["status"],
            d["drafted_by"],
            d["approved_by"] or "",
            *(str(d[e]) for e in extra),
        )
    console.print(table)


@packages_app.command("list")
@handle_errors
def packages_list(
    operation: str | None = OPERATION,
    status: str | None = typer.Option(None, help="Only this status (draft, approved, sent...)."),
    force: str | None = typer.Option(None, help="Only packages for this force or recipient."),
    batch: str | None = typer.Option(None, help="Only the packages sent in this batch."),
    as_json: bool = JSON,
) -> None:
    """List an operation's packages, highest tier first."""
    from safeguard.package.queries import list_packages

    docs = list_packages(
        open_store(), operation_name(operation), status=status, force=force, batch=batch
    )
    if as_json:
        emit_json(docs)
    else:
        _table(docs)


@packages_app.command("show")
@handle_errors
def packages_show(
    reference: str = _REF, operation: str | None = OPERATION, as_json: bool = JSON
) -> None:
    """One package: lifecycle (who and when) and its content."""
    from safeguard.package.queries import show_package

    doc = show_package(open_store(), operation_name(operation), reference)
    if as_json:
        emit_json(doc)
        return
    for key, value in doc.items():
        if key != "content" and value is not None:
            console.print(f"[bold]{key}[/]: {value}", highlight=False)
    console.print(f"[bold]summary[/]: {doc['content'].get('summary', '')}", highlight=False)


def _done(as_json: bool, reference: str, operation: str, message: str) -> None:
    from safeguard.package.queries import show_package

    if as_json:
        doc = show_package(open_store(), operation, reference)
        emit_json({k: v for k, v in doc.items() if k != "content"})
    else:
        console.print(message, highlight=False)


@packages_app.command("recipient")
@handle_errors
def packages_recipient(
    reference: str = _REF,
    recipient: str = typer.Argument(..., help="Force id, rocu:<name> or agency."),
    operation: str | None = OPERATION,
    as_json: bool = JSON,
) -> None:
    """Choose a draft's recipient (the suggestion from attribution and deconfliction stays)."""
    from safeguard.package.lifecycle import set_recipient

    op = operation_name(operation)
    set_recipient(open_store(), op, reference, recipient, user=settings().user)
    _done(as_json, reference, op, f"{reference}: recipient {recipient}")


@packages_app.command("approve")
@handle_errors
def packages_approve(
    references: list[str] = typer.Argument(..., help="One or more package references."),
    operation: str | None = OPERATION,
    as_json: bool = JSON,
) -> None:
    """Approve drafts (a second person: the drafter cannot approve).

    Each is approved in turn and stays approved; the first refusal stops the command and is
    reported. With --json: the package, or a list of them when several are given.
    """
    from safeguard.package.lifecycle import approve
    from safeguard.package.queries import show_package

    op, cfg = operation_name(operation), settings()
    store = open_store(cfg)
    with RichProgress(enabled=not as_json) as bar, bar.task("approve", len(references)) as t:
        for ref in references:
            approve(store, op, ref, user=cfg.user)
            t.advance()
    if as_json:
        docs = [
            {k: v for k, v in show_package(store, op, r).items() if k != "content"}
            for r in references
        ]
        emit_json(docs[0] if len(docs) == 1 else docs)
    else:
        console.print(
            f"{', '.join(references) if len(references) < 4 else len(references)}"
            f"{'' if len(references) < 4 else ' packages'}: approved by {cfg.user}",
            highlight=False,
        )


@packages_app.command("send")
@handle_errors
def packages_send(
    reference: str = _REF, operation: str | None = OPERATION, as_json: bool = JSON
) -> None:
    """Sign, encrypt to the recipient's age key and write to its outbox directory."""
    from safeguard.package.lifecycle import send

    op, cfg = operation_name(operation), settings()
    path = send(open_store(cfg), cfg, op, reference, user=cfg.user)
    _done(as_json, reference, op, f"{reference}: sent to {path}")


@packages_app.command("batch")
@handle_errors
def packages_batch(
    recipient: str = typer.Argument(..., help="Force id (e.g. kent), rocu:<name> or agency."),
    operation: str | None = OPERATION,
    as_json: bool = JSON,
) -> None:
    """Send the recipient's approved packages together: one outbox directory, signed manifest.

    Only packages in no batch yet are gathered, so running it again sends nothing twice.
    """
    from safeguard.package.batch import send_batch

    op, cfg = operation_name(operation), settings()
    with RichProgress(enabled=not as_json) as bar:
        result = send_batch(open_store(cfg), cfg, op, recipient, user=cfg.user, progress=bar)
    doc = {
        "batch": result.reference,
        "recipient": result.recipient,
        "directory": str(result.directory) if result.directory else None,
        "packages": list(result.packages),
    }
    if as_json:
        emit_json(doc)
    elif result.reference is None:
        console.print(f"{result.recipient}: no approved package waiting; no batch written")
    else:
        console.print(
            f"{result.reference}: {len(result.packages)} packages sent to {result.directory}",
            highlight=False,
        )


@packages_app.command("ack")
@handle_errors
def packages_ack(
    reference: str = _REF,
    operation: str | None = OPERATION,
    received: bool = typer.Option(
        False, "--received", help="Record receipt only (not yet acknowledged)."
    ),
    as_json: bool = JSON,
) -> None:
    """Record that the recipient received or acknowledged a sent package."""
    from safeguard.package.lifecycle import acknowledge

    op = operation_name(operation)
    step = "received" if received else "acknowledged"
    acknowledge(open_store(), op, reference, user=settings().user, step=step)
    _done(as_json, reference, op, f"{reference}: {step}")


@packages_app.command("overdue")
@handle_errors
def packages_overdue(operation: str | None = OPERATION, as_json: bool = JSON) -> None:
    """Packages late for dissemination or for the recipient's acknowledgement."""
    from safeguard.package.queries import overdue

    docs = overdue(open_store(), operation_name(operation))
    if as_json:
        emit_json(docs)
    else:
        _table(docs, "late_for", "due_at", "hours_late")


@package_app.command("verify")
@handle_errors
def package_verify(
    file: Path = typer.Argument(
        ..., help="A sent package (.tar.age), its .tar, a bag dir, or a batch directory."
    ),
    identity: Path | None = typer.Option(
        None, "--identity", help="File holding the recipient's age identity (AGE-SECRET-KEY-1...)."
    ),
    agency_key: Path | None = typer.Option(
        None, "--agency-key", help="The agency public key file (default: this installation's)."
    ),
    as_json: bool = JSON,
) -> None:
    """Check decryption, signature, manifests and schema; name the file and check that failed.

    On a batch directory: the batch manifest's signature, every file's SHA-256, then every
    package in it.
    """
    from safeguard.package.keys import load_agency_key, load_public_key
    from safeguard.package.verify import is_batch, verify

    public = (
        load_public_key(agency_key)
        if agency_key
        else load_agency_key(settings()).private.public_key()
    )
    secret = None
    if identity is not None:
        lines = [ln for ln in identity.read_text().splitlines() if ln.startswith("AGE-SECRET")]
        secret = lines[0] if lines else identity.read_text().strip()
    if is_batch(file):
        _verify_batch(file, public, secret, as_json)
        return
    result = verify(file, public, secret)
    doc = {
        "file": str(file),
        "reference": result.reference,
        "checks": list(result.checks),
        "signing_key": result.signing_key,
        "ok": True,
    }
    if as_json:
        emit_json(doc)
    else:
        console.print(
            f"{file}: {result.reference} verified ({', '.join(result.checks)}); "
            f"signed by {result.signing_key}",
            highlight=False,
        )


def _verify_batch(folder: Path, public: Any, secret: str | None, as_json: bool) -> None:
    from safeguard.package.verify import CHECKS, verify_batch

    result = verify_batch(folder, public, secret)
    doc = {
        "file": str(folder),
        "batch": result.reference,
        "recipient": result.recipient,
        "packages": [v.reference for v in result.packages],
        "checks": ["batch-signature", "batch-manifest", *CHECKS],
        "signing_key": result.signing_key,
        "ok": True,
    }
    if as_json:
        emit_json(doc)
    else:
        console.print(
            f"{folder}: batch {result.reference} verified: {len(result.packages)} packages "
            f"for {result.recipient}, each decrypt, archive, signature, manifest, schema; "
            f"signed by {result.signing_key}",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    app.add_typer(packages_app, name="packages")
    app.add_typer(package_app, name="package")
