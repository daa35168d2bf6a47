"""API tokens: ``sgt_...`` bearer secrets, stored as SHA-256, scoped to actions, expiring,
revocable, each with its own rate limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from safeguard.access.credentials import new_token, token_digest
from safeguard.access.users import require_user
from safeguard.authz import ACTIONS, Actor, Role
from safeguard.errors import ActionRefused, NotFoundError
from safeguard.store import audit
from safeguard.store.models import ApiToken, User

__all__ = ["IssuedToken", "TokenView", "issue_token", "list_tokens", "revoke_token", "token_actor"]


@dataclass(frozen=True)
class IssuedToken:
    id: int
    token: str  # shown once
    scopes: list[str]
    expires_at: datetime


@dataclass(frozen=True)
class TokenView:
    id: int
    username: str
    name: str
    scopes: list[str]
    expires_at: str
    revoked: bool


def _scopes(role: Role, asked: list[str] | None) -> list[str]:
    allowed = sorted(a for a, roles in ACTIONS.items() if role in roles)
    if not asked:
        return allowed
    bad = sorted(set(asked) - set(allowed))
    if bad:
        raise ActionRefused(f"a {role.value} cannot hold scope(s) {', '.join(bad)}")
    return sorted(set(asked))


def issue_token(
    session: Session,
    username: str,
    *,
    name: str = "",
    scopes: list[str] | None = None,
    days: int = 90,
    rate_per_minute: int = 600,
    by: str,
) -> IssuedToken:
    if not 1 <= days <= 366:
        raise ActionRefused("a token expires within 1 to 366 days")
    user = require_user(session, username)
    granted = _scopes(Role(user.role), scopes)
    token = new_token("sgt")
    expires = datetime.now(UTC) + timedelta(days=days)
    row = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=token_digest(token),
        scopes=granted,
        rate_per_minute=rate_per_minute,
        expires_at=expires,
    )
    session.add(row)
    session.flush()
    audit.append(session, by, "token.issue", username, {"token_id": row.id, "scopes": granted})
    return IssuedToken(row.id, token, granted, expires)


def list_tokens(session: Session, username: str | None = None) -> list[TokenView]:
    q = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
    if username:
        q = q.where(User.username == username)
    return [
        TokenView(
            t.id, u, t.name, list(t.scopes), t.expires_at.isoformat(), t.revoked_at is not None
        )
        for t, u in session.execute(q.order_by(ApiToken.id))
    ]


def revoke_token(session: Session, token_id: int, *, by: str) -> None:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFoundError(f"no API token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        audit.append(session, by, "token.revoke", str(token_id), {})


#: The live-token lookup every API request makes: one row of columns, no entities (built once).
_TOKEN_ACTOR = (
    select(
        ApiToken.id,
        ApiToken.scopes,
        ApiToken.rate_per_minute,
        ApiToken.expires_at,
        ApiToken.revoked_at,
        User.id,
        User.username,
        User.role,
        User.force_id,
        User.disabled,
    )
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("digest"))
)


def token_actor(session: Session, token: str, client: str = "") -> tuple[Actor, int, int] | None:
    """The actor, token id and rate limit of a live token, else None."""
    row = session.connection().execute(_TOKEN_ACTOR, {"digest": token_digest(token)}).first()
    if row is None:
        return None
    token_id, scopes, rate, expires_at, revoked_at, user_id, username, role, force, off = row
    if revoked_at is not None or expires_at <= datetime.now(UTC) or off:
        return None
    actor = Actor(user_id, username, Role(role), force, frozenset(scopes), client)
    return actor, token_id, rate
