"""Browser sessions: a random cookie token (the store keeps its SHA-256) with a CSRF token."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguard.access.credentials import new_token, token_digest
from safeguard.access.users import actor_of
from safeguard.authz import Actor
from safeguard.store import audit
from safeguard.store.models import User, WebSession

__all__ = ["SESSION_HOURS", "OpenSession", "end_session", "open_session", "session_actor"]

#: A session ends this long after login, whatever happens in between.
SESSION_HOURS = 8


@dataclass(frozen=True)
class OpenSession:
    cookie: str
    csrf_token: str
    expires_at: datetime


def open_session(session: Session, actor: Actor) -> OpenSession:
    cookie = new_token("sgs")
    csrf = secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(hours=SESSION_HOURS)
    session.add(
        WebSession(
            token_hash=token_digest(cookie),
            user_id=actor.user_id,
            csrf_token=csrf,
            expires_at=expires,
            client=actor.client[:80],
        )
    )
    return OpenSession(cookie, csrf, expires)


def session_actor(session: Session, cookie: str, client: str = "") -> tuple[Actor, str] | None:
    """The actor and CSRF token of a live session cookie, else None."""
    row = session.execute(
        select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.token_hash == token_digest(cookie))
    ).first()
    if row is None:
        return None
    ws, user = row
    if ws.ended_at is not None or ws.expires_at <= datetime.now(UTC) or user.disabled:
        return None
    return actor_of(user, client=client), ws.csrf_token


def end_session(session: Session, cookie: str, actor: Actor) -> None:
    ws = session.scalar(select(WebSession).where(WebSession.token_hash == token_digest(cookie)))
    if ws is not None and ws.ended_at is None:
        ws.ended_at = datetime.now(UTC)
        audit.append(session, actor.username, "logout", actor.username, {"client": actor.client})
