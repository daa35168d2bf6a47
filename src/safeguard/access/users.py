"""Users: add, list, disable, reset; and authenticating a login (password, then TOTP).

Every change and every login attempt is written to the hash-chained audit log in the same
transaction. A user is locked for :data:`LOCKOUT_MINUTES` after :data:`LOCKOUT_AFTER`
consecutive failed logins; the wrong-user, wrong-password and wrong-code answers are the same.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguard.access.credentials import (
    hash_password,
    new_totp_secret,
    totp_step,
    totp_uri,
    verify_password,
)
from safeguard.authz import Actor, Role
from safeguard.errors import ActionRefused, AuthError, NotFoundError
from safeguard.refdata import uk
from safeguard.store import audit
from safeguard.store.models import User

__all__ = [
    "LOCKOUT_AFTER",
    "LOCKOUT_MINUTES",
    "NewUser",
    "UserView",
    "actor_of",
    "add_user",
    "authenticate",
    "disable_user",
    "list_users",
    "reset_user",
]

LOCKOUT_AFTER = 5
LOCKOUT_MINUTES = 15
_MIN_PASSWORD = 12


@dataclass(frozen=True)
class NewUser:
    """What the person setting up an account is shown once: password and TOTP secret."""

    username: str
    role: str
    force_id: str | None
    password: str
    totp_secret: str | None
    totp_uri: str | None


@dataclass(frozen=True)
class UserView:
    username: str
    role: str
    force_id: str | None
    disabled: bool
    locked: bool
    second_factor: bool
    created_at: str


def _role(name: str) -> Role:
    try:
        return Role(name.replace("-", "_"))
    except ValueError as exc:
        roles = ", ".join(r.value for r in Role)
        raise ActionRefused(f"unknown role {name!r}: use one of {roles}") from exc


def _force(role: Role, force_id: str | None) -> str | None:
    if role is Role.FORCE_OFFICER:
        if not force_id:
            raise ActionRefused("a force officer is bound to one force: give --force FORCE_ID")
        if force_id not in uk.forces():
            raise ActionRefused(f"unknown force {force_id!r} (see docs/attribution.md)")
        return force_id
    if force_id:
        raise ActionRefused(f"only a force officer is bound to a force, not a {role.value}")
    return None


def _credentials(role: Role, password: str | None) -> tuple[str, str | None]:
    password = password or secrets.token_urlsafe(18)
    if len(password) < _MIN_PASSWORD:
        raise ActionRefused(f"a password has at least {_MIN_PASSWORD} characters")
    return password, None if role is Role.PARTNER else new_totp_secret()


def add_user(
    session: Session,
    username: str,
    role: str,
    *,
    force_id: str | None = None,
    password: str | None = None,
    by: str,
) -> NewUser:
    r = _role(role)
    force = _force(r, force_id)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ActionRefused(f"user {username!r} exists already (use `safeguard users reset`)")
    password, secret = _credentials(r, password)
    session.add(
        User(
            username=username,
            role=r.value,
            force_id=force,
            password_hash=hash_password(password),
            totp_secret=secret,
            created_by=by,
        )
    )
    audit.append(session, by, "user.add", username, {"role": r.value, "force_id": force})
    uri = totp_uri(secret, username) if secret else None
    return NewUser(username, r.value, force, password, secret, uri)


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFoundError(f"no user named {username!r} (see `safeguard users list`)")
    return user


def list_users(session: Session) -> list[UserView]:
    now = datetime.now(UTC)
    return [
        UserView(
            u.username,
            u.role,
            u.force_id,
            u.disabled,
            bool(u.locked_until and u.locked_until > now),
            u.totp_secret is not None,
            u.created_at.isoformat(),
        )
        for u in session.scalars(select(User).order_by(User.username))
    ]


def disable_user(session: Session, username: str, *, by: str) -> None:
    user = _user(session, username)
    user.disabled = True
    audit.append(session, by, "user.disable", username, {})


def reset_user(session: Session, username: str, *, password: str | None = None, by: str) -> NewUser:
    """New password and a new TOTP secret (the old ones stop working); unlocks and enables."""
    user = _user(session, username)
    role = Role(user.role)
    new_password, secret = _credentials(role, password)
    user.password_hash = hash_password(new_password)
    user.totp_secret = secret
    user.failed_logins, user.locked_until, user.disabled = 0, None, False
    user.totp_last_step = 0
    audit.append(session, by, "user.reset", username, {})
    uri = totp_uri(secret, username) if secret else None
    return NewUser(username, role.value, user.force_id, new_password, secret, uri)


def actor_of(user: User, *, scopes: frozenset[str] | None = None, client: str = "") -> Actor:
    return Actor(user.id, user.username, Role(user.role), user.force_id, scopes, client)


def _refuse(session: Session, user: User | None, username: str, client: str, why: str) -> None:
    if user is not None and why == "bad credentials":
        user.failed_logins += 1
        if user.failed_logins >= LOCKOUT_AFTER:
            user.locked_until = datetime.now(UTC) + timedelta(minutes=LOCKOUT_MINUTES)
    audit.append(session, username, "login.failed", username, {"why": why, "client": client})


def authenticate(
    session: Session, username: str, password: str, code: str, *, client: str = ""
) -> Actor | None:
    """The actor for a correct login, else None (the failure is counted and audited).

    The caller commits the session either way, so failures and lockouts are kept.
    """
    user = session.scalar(select(User).where(User.username == username))
    now = datetime.now(UTC)
    if user is not None and user.locked_until and user.locked_until > now:
        _refuse(session, user, username, client, "locked")
        return None
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or user.disabled:
        _refuse(session, user, username, client, "bad credentials")
        return None
    if Role(user.role) is not Role.PARTNER:
        step = totp_step(user.totp_secret, code, after=user.totp_last_step)
        if step is None:
            _refuse(session, user, username, client, "bad credentials")
            return None
        user.totp_last_step = step
    user.failed_logins, user.locked_until = 0, None
    audit.append(session, username, "login", username, {"client": client})
    return actor_of(user, client=client)


def require_user(session: Session, username: str) -> User:
    """The user, or :class:`AuthError` when missing or disabled."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or user.disabled:
        raise AuthError(f"no active user {username!r}")
    return user
