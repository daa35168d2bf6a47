"""`safeguard users`: add, list, disable and reset users; issue and revoke API tokens."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

import typer

from safeguard.cli.common import JSON, console, emit_json, handle_errors, open_store, settings

if TYPE_CHECKING:
    from safeguard.access.users import NewUser

__all__ = ["DEMO_USERS", "register"]

users_app = typer.Typer(
    help="Users and roles (admin, analyst, supervisor, force_officer, auditor, partner), "
    "and API tokens.",
    no_args_is_help=True,
)


#: One demo login per role (``make demo``); the force officer is bound to Thames Valley.
DEMO_USERS: tuple[tuple[str, str, str | None], ...] = (
    ("admin", "admin", None),
    ("analyst", "analyst", None),
    ("supervisor", "supervisor", None),
    ("officer", "force_officer", "thames-valley"),
    ("auditor", "auditor", None),
    ("partner", "partner", None),
)


def _print_new(user: NewUser) -> None:
    force = f", force {user.force_id}" if user.force_id else ""
    console.print(f"[bold]{user.username}[/] ({user.role}{force})", highlight=False)
    console.print(f"  password:    {user.password}", highlight=False)
    if user.totp_secret:
        console.print(f"  TOTP secret: {user.totp_secret}  (shown once)", highlight=False)
        console.print(f"  TOTP URI:    {user.totp_uri}", highlight=False)


@users_app.command("add")
@handle_errors
def add_command(
    username: str = typer.Argument(..., help="Login name."),
    role: str = typer.Option(
        ..., "--role", help="admin, analyst, supervisor, force_officer, auditor or partner."
    ),
    force: str | None = typer.Option(None, "--force", help="Force id (force officers only)."),
    as_json: bool = JSON,
) -> None:
    """Add a user; prints a generated password and TOTP secret once."""
    from safeguard.access import add_user

    with open_store().session() as s:
        new = add_user(s, username, role, force_id=force, by=settings().user)
    emit_json(asdict(new)) if as_json else _print_new(new)


@users_app.command("list")
@handle_errors
def list_command(as_json: bool = JSON) -> None:
    """List users with role, force, second factor and state."""
    from rich.table import Table

    from safeguard.access import list_users

    with open_store().session() as s:
        rows = list_users(s)
    if as_json:
        emit_json([asdict(r) for r in rows])
        return
    table = Table("user", "role", "force", "second factor", "state")
    for r in rows:
        state = "disabled" if r.disabled else ("locked" if r.locked else "active")
        table.add_row(
            r.username, r.role, r.force_id or "", "TOTP" if r.second_factor else "-", state
        )
    console.print(table)


@users_app.command("disable")
@handle_errors
def disable_command(username: str = typer.Argument(...), as_json: bool = JSON) -> None:
    """Disable a user: their sessions and tokens stop working at once."""
    from safeguard.access import disable_user

    with open_store().session() as s:
        disable_user(s, username, by=settings().user)
    emit_json({"username": username, "disabled": True}) if as_json else console.print(
        f"{username} disabled"
    )


@users_app.command("reset")
@handle_errors
def reset_command(username: str = typer.Argument(...), as_json: bool = JSON) -> None:
    """New password and TOTP secret (printed once); unlocks and re-enables the user."""
    from safeguard.access import reset_user

    with open_store().session() as s:
        new = reset_user(s, username, by=settings().user)
    emit_json(asdict(new)) if as_json else _print_new(new)


@users_app.command("token")
@handle_errors
def token_command(
    username: str = typer.Argument(..., help="User the token acts as."),
    name: str = typer.Option("", "--name", help="What the token is for."),
    scopes: list[str] = typer.Option(
        [],
        "--scope",
        help="Action it may do (repeatable; default: every action of the user's role).",
    ),
    days: int = typer.Option(90, "--days", help="Days until it expires (1-366)."),
    rate: int = typer.Option(600, "--rate", help="Requests a minute it may make."),
    as_json: bool = JSON,
) -> None:
    """Issue an API token (printed once; the store keeps only its hash)."""
    from safeguard.access import issue_token

    with open_store().session() as s:
        t = issue_token(
            s,
            username,
            name=name,
            scopes=scopes or None,
            days=days,
            rate_per_minute=rate,
            by=settings().user,
        )
    doc = {"id": t.id, "token": t.token, "scopes": t.scopes, "expires_at": t.expires_at.isoformat()}
    if as_json:
        emit_json(doc)
        return
    console.print(f"token {t.id} for {username} (expires {doc['expires_at']}):", highlight=False)
    console.print(f"  {t.token}", highlight=False)
    console.print(f"  scopes: {', '.join(t.scopes)}", highlight=False)


@users_app.command("revoke")
@handle_errors
def revoke_command(
    token_id: int = typer.Argument(..., help="Token id."), as_json: bool = JSON
) -> None:
    """Revoke an API token at once."""
    from safeguard.access import revoke_token

    with open_store().session() as s:
        revoke_token(s, token_id, by=settings().user)
    emit_json({"token_id": token_id, "revoked": True}) if as_json else console.print(
        f"token {token_id} revoked"
    )


@users_app.command("demo")
@handle_errors
def demo_command(as_json: bool = JSON) -> None:
    """Create (or reset) one demo login per role and print them: for `make demo` only."""
    from safeguard.access import add_user, reset_user
    from safeguard.errors import ActionRefused

    created = []
    with open_store().session() as s:
        for username, role, force in DEMO_USERS:
            try:
                created.append(add_user(s, username, role, force_id=force, by="make demo"))
            except ActionRefused:
                created.append(reset_user(s, username, by="make demo"))
    if as_json:
        emit_json([asdict(u) for u in created])
        return
    for u in created:
        _print_new(u)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
