"""Passwords are argon2id at the library's recommended cost; TOTP codes expire."""

from __future__ import annotations

import time

import pyotp
from argon2 import PasswordHasher, Type

from safeguard.access import credentials


def test_production_hasher_is_argon2id_at_rfc9106_cost() -> None:
    fresh = PasswordHasher()  # what credentials builds at import (web tests swap in a cheap one)
    assert fresh.type is Type.ID
    assert fresh.time_cost >= 3 and fresh.memory_cost >= 64 * 1024
    digest = credentials.hash_password("correct horse battery staple")
    assert digest.startswith("$argon2id$")
    assert credentials.verify_password(digest, "correct horse battery staple")
    assert not credentials.verify_password(digest, "correct horse battery stapler")
    assert not credentials.verify_password(None, "anything")


def test_totp_accepts_the_current_code_only() -> None:
    secret = credentials.new_totp_secret()
    totp = pyotp.TOTP(secret)
    assert credentials.verify_totp(secret, totp.now())
    assert credentials.verify_totp(secret, f" {totp.now()} ")
    stale = totp.at(time.time() - 3600)
    assert not credentials.verify_totp(secret, stale)
    assert not credentials.verify_totp(secret, "")
    assert not credentials.verify_totp(None, totp.now())
