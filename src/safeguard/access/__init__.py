"""Access: users and roles, passwords (argon2id), second factor (TOTP), web sessions and API
tokens. Authorisation itself is :mod:`safeguard.authz`; this package says *who* is acting."""

from safeguard.access.sessions import SESSION_HOURS, end_session, open_session, session_actor
from safeguard.access.tokens import issue_token, list_tokens, revoke_token, token_actor
from safeguard.access.users import (
    LOCKOUT_AFTER,
    LOCKOUT_MINUTES,
    NewUser,
    UserView,
    add_user,
    authenticate,
    disable_user,
    list_users,
    reset_user,
)

__all__ = [
    "LOCKOUT_AFTER",
    "LOCKOUT_MINUTES",
    "SESSION_HOURS",
    "NewUser",
    "UserView",
    "add_user",
    "authenticate",
    "disable_user",
    "end_session",
    "issue_token",
    "list_tokens",
    "list_users",
    "open_session",
    "reset_user",
    "revoke_token",
    "session_actor",
    "token_actor",
]
