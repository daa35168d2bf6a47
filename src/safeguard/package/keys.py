"""Keys: the agency's Ed25519 signing key and the recipients' age public keys.

The agency key lives in ``<data dir>/keys``: ``agency-ed25519.pem`` (PKCS#8 private key,
file mode 0600, encrypted with ``SAFEGUARD_KEY_PASSPHRASE`` when that is set) and
``agency-ed25519.pub`` (the public key, to give to recipients). Recipient age public keys are
in the store (``recipient_key``); setting one is audited.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyrage
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select

from safeguard.config import Settings
from safeguard.errors import ActionRefused, ConfigError, NotFoundError
from safeguard.package.recipients import parse
from safeguard.store import audit
from safeguard.store.db import Store
from safeguard.store.models import RecipientKey
from safeguard.store.models.base import utcnow

__all__ = [
    "AgencyKey",
    "RecipientKeyInfo",
    "fingerprint",
    "init_agency_key",
    "load_agency_key",
    "load_public_key",
    "recipient_key",
    "recipient_keys",
    "set_recipient_key",
    "signature_ok",
]

PRIVATE_NAME = "agency-ed25519.pem"
PUBLIC_NAME = "agency-ed25519.pub"


@dataclass(frozen=True)
class AgencyKey:
    private: Ed25519PrivateKey
    public_path: Path

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.private.public_key())


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(public: Ed25519PublicKey) -> str:
    return "sha256:" + hashlib.sha256(_raw(public)).hexdigest()[:32]


def _dir(settings: Settings) -> Path:
    return settings.data_dir / "keys"


def init_agency_key(settings: Settings) -> AgencyKey:
    """Create the agency signing key; an existing key is never overwritten."""
    key_dir = _dir(settings)
    private_path = key_dir / PRIVATE_NAME
    if private_path.exists():
        raise ActionRefused(f"an agency key already exists at {private_path}; not replaced")
    key_dir.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    secret = settings.key_passphrase.encode()
    algorithm = (
        serialization.BestAvailableEncryption(secret) if secret else serialization.NoEncryption()
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, algorithm
    )
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    public_path = key_dir / PUBLIC_NAME
    public_path.write_text(base64.b64encode(_raw(key.public_key())).decode() + "\n")
    return AgencyKey(key, public_path)


def load_agency_key(settings: Settings) -> AgencyKey:
    private_path = _dir(settings) / PRIVATE_NAME
    if not private_path.exists():
        raise ConfigError(f"no agency signing key at {private_path}: run `safeguard keys init`")
    secret = settings.key_passphrase.encode() or None
    try:
        key = serialization.load_pem_private_key(private_path.read_bytes(), password=secret)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"cannot open the agency key {private_path}: wrong or missing SAFEGUARD_KEY_PASSPHRASE"
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{private_path} is not an Ed25519 key")
    return AgencyKey(key, _dir(settings) / PUBLIC_NAME)


def load_public_key(path: Path) -> Ed25519PublicKey:
    """The agency public key as ``keys init`` writes it (base64 of the raw 32 bytes)."""
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(path.read_text().strip()))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not an agency public key ({exc})") from exc


def signature_ok(public: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        public.verify(signature, data)
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True)
class RecipientKeyInfo:
    recipient_id: str
    age_public_key: str
    set_by: str
    set_at: datetime


def set_recipient_key(store: Store, recipient_id: str, age_public_key: str, *, user: str) -> None:
    """Record the age public key packages for ``recipient_id`` are encrypted to (audited)."""
    parse(recipient_id)
    try:
        pyrage.x25519.Recipient.from_str(age_public_key.strip())
    except Exception as exc:  # pyrage raises its own RecipientError / ValueError
        raise ActionRefused(f"not an age public key (age1...): {age_public_key!r}") from exc
    with store.session() as s:
        row = s.get(RecipientKey, recipient_id)
        old = row.age_public_key if row else None
        if row is None:
            row = RecipientKey(recipient_id=recipient_id, age_public_key="", set_by=user)
            s.add(row)
        row.age_public_key, row.set_by, row.set_at = age_public_key.strip(), user, utcnow()
        audit.append(
            s,
            user,
            "recipient.set_key",
            recipient_id,
            {"age_public_key": row.age_public_key, "replaced": old},
        )


def recipient_keys(store: Store) -> list[RecipientKeyInfo]:
    with store.session() as s:
        rows = s.scalars(select(RecipientKey).order_by(RecipientKey.recipient_id)).all()
        return [
            RecipientKeyInfo(r.recipient_id, r.age_public_key, r.set_by, r.set_at) for r in rows
        ]


def recipient_key(store: Store, recipient_id: str) -> str:
    """The recipient's age public key; no key is a refusal (never send in clear)."""
    with store.session() as s:
        row = s.get(RecipientKey, recipient_id)
    if row is None:
        raise NotFoundError(
            f"no age public key for {recipient_id!r}: refusing to send a package in clear; "
            f"run `safeguard forces set-key {recipient_id} AGE_PUBKEY` first"
        )
    return row.age_public_key
