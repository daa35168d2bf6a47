"""Password hashing (argon2id), TOTP codes, and random tokens stored only as SHA-256."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = [
    "hash_password",
    "new_token",
    "new_totp_secret",
    "token_digest",
    "totp_now",
    "totp_step",
    "totp_uri",
    "verify_password",
    "verify_totp",
]

#: argon2id with the library's defaults (RFC 9106 low-memory profile).
_HASHER = PasswordHasher()
#: A well-formed hash to verify against when the user does not exist (same time either way).
_DUMMY = _HASHER.hash("not a password")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name="Safeguard")


def totp_now(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def totp_step(secret: str | None, code: str, *, after: int = 0) -> int | None:
    """The 30 s step of ``code`` if it is the current code or the one either side of it
    (clock drift) and later than step ``after`` (a code already used is refused), else None."""
    if not secret:
        return None
    totp, code = pyotp.TOTP(secret), code.strip()
    now = totp.timecode(datetime.now(UTC))
    for step in (now - 1, now, now + 1):
        if step > after and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify_totp(secret: str | None, code: str) -> bool:
    return totp_step(secret, code) is not None


def new_token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
