"""`safeguard users ...` and `safeguard audit verify` as an administrator and an auditor run
them: secrets shown once, the store keeps only hashes, tampering named with its kind."""

from __future__ import annotations

import json
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner, Result

from safeguard.access import authenticate
from safeguard.cli.main import app
from safeguard.config import load_settings
from safeguard.store.db import Store
from safeguard.store.models import AuditEvent, User


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SAFEGUARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SAFEGUARD_USER", "admin-person")
    monkeypatch.delenv("SAFEGUARD_DATABASE_URL", raising=False)
    return tmp_path


def _run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def _store() -> Store:
    return Store.open(load_settings())


def test_added_user_logs_in_with_the_printed_secrets(env: Path) -> None:
    r = _run("users", "add", "dc.smith", "--role", "force_officer", "--force", "kent", "--json")
    assert r.exit_code == 0, r.output
    new = json.loads(r.output)
    assert new["force_id"] == "kent" and new["totp_secret"]
    store = _store()
    with store.session() as s:
        stored = s.scalar(select(User).where(User.username == "dc.smith"))
        assert stored is not None and new["password"] not in stored.password_hash
        code = pyotp.TOTP(new["totp_secret"]).now()
        actor = authenticate(s, "dc.smith", new["password"], code)
    assert actor is not None and actor.force_id == "kent"
    listed = json.loads(_run("users", "list", "--json").output)
    assert [(u["username"], u["role"], u["second_factor"]) for u in listed] == [
        ("dc.smith", "force_officer", True)
    ]


def test_bad_users_are_refused_with_a_clear_message(env: Path) -> None:
    r = _run("users", "add", "pc", "--role", "force_officer")
    assert r.exit_code == 5 and "bound to one force" in r.output
    r = _run("users", "add", "pc", "--role", "analyst", "--force", "kent")
    assert r.exit_code == 5 and "only a force officer" in r.output
    r = _run("users", "add", "pc", "--role", "wizard")
    assert r.exit_code == 5 and "unknown role" in r.output
    assert _run("users", "disable", "nobody").exit_code == 3


def test_token_is_printed_once_and_revocable(env: Path) -> None:
    assert _run("users", "add", "acme", "--role", "partner").exit_code == 0
    doc = json.loads(
        _run("users", "token", "acme", "--name", "acme-upload-filter", "--json").output
    )
    assert doc["scopes"] == ["account.view", "match.query", "tokens.manage"]
    assert doc["token"].startswith("sgt_")
    assert _run("users", "revoke", str(doc["id"])).exit_code == 0


def test_audit_verify_names_what_was_tampered_with(env: Path) -> None:
    for name in ("a1", "a2", "a3"):
        assert _run("users", "add", name, "--role", "analyst").exit_code == 0
    ok = _run("audit", "verify", "--json")
    assert ok.exit_code == 0 and json.loads(ok.output)["intact"] is True
    with _store().session() as s:
        second = s.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()[1]
        s.execute(update(AuditEvent).where(AuditEvent.id == second).values(actor="someone else"))
    bad = _run("audit", "verify")
    assert bad.exit_code == 9
    assert f"edited at event {second}" in bad.output
