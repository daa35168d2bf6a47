"""The agency signing key on disk: permissions, passphrase, never overwritten."""

from __future__ import annotations

import dataclasses
import stat
from pathlib import Path

import pytest

from safeguard.config import Settings
from safeguard.errors import ActionRefused, ConfigError
from safeguard.package.keys import (
    PRIVATE_NAME,
    init_agency_key,
    load_agency_key,
    load_public_key,
    signature_ok,
)


def test_key_file_is_private_and_the_public_key_verifies(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    key = init_agency_key(settings)
    private = tmp_path / "keys" / PRIVATE_NAME
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert b"ENCRYPTED" not in private.read_bytes()
    public = load_public_key(key.public_path)
    assert signature_ok(public, load_agency_key(settings).private.sign(b"x"), b"x")
    assert not signature_ok(public, load_agency_key(settings).private.sign(b"x"), b"y")
    with pytest.raises(ActionRefused, match="already exists"):
        init_agency_key(settings)


def test_a_passphrase_encrypts_the_key_and_is_needed_to_open_it(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, key_passphrase="correct horse")
    init_agency_key(settings)
    assert b"BEGIN ENCRYPTED PRIVATE KEY" in (tmp_path / "keys" / PRIVATE_NAME).read_bytes()
    assert load_agency_key(settings).fingerprint.startswith("sha256:")
    for wrong in ("", "battery staple"):
        with pytest.raises(ConfigError, match="SAFEGUARD_KEY_PASSPHRASE"):
            load_agency_key(dataclasses.replace(settings, key_passphrase=wrong))
