"""Approve by a second person, send sealed to the recipient's key, verify, and tamper."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyrage
import pytest
from typer.testing import CliRunner

from safeguard.cli.main import app
from safeguard.errors import VerifyFailed
from safeguard.package.keys import load_public_key
from safeguard.package.verify import verify
from safeguard.store import audit
from tests.support.operation import SmallOperation, build_small_operation


@pytest.fixture(scope="module")
def op(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmallOperation]:
    op = build_small_operation(tmp_path_factory.mktemp("send"), accounts=150)
    yield op
    op.store.dispose()


@pytest.fixture
def cli(op: SmallOperation, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("SAFEGUARD_DATA_DIR", str(op.settings.data_dir))
    monkeypatch.setenv("SAFEGUARD_OPERATION", op.name)

    def run(user: str, *args: str) -> Any:
        monkeypatch.setenv("SAFEGUARD_USER", user)
        return CliRunner().invoke(app, list(args))

    return run


def _json(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _said(result: Any) -> str:
    return " ".join(result.output.split())


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


@pytest.fixture(scope="module")
def sent(op: SmallOperation, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One package taken draft -> approved -> sent through the CLI, with its identity."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SAFEGUARD_DATA_DIR", str(op.settings.data_dir))
    mp.setenv("SAFEGUARD_OPERATION", op.name)

    def run(user: str, *args: str) -> Any:
        mp.setenv("SAFEGUARD_USER", user)
        return CliRunner().invoke(app, list(args))

    drafts = _json(run("tester", "packages", "list", "--status", "draft", "--json"))
    pkg = drafts[0]
    assert run("admin", "keys", "init").exit_code == 0
    refused = run("supervisor", "packages", "send", pkg["reference"])
    assert refused.exit_code == 5 and "approved" in _said(refused)
    own = run(pkg["drafted_by"], "packages", "approve", pkg["reference"])
    assert own.exit_code == 5 and "second person" in _said(own)
    approved = _json(run("supervisor", "packages", "approve", pkg["reference"], "--json"))
    assert approved["status"] == "approved" and approved["approved_by"] == "supervisor"
    nokey = run("supervisor", "packages", "send", pkg["reference"])
    assert nokey.exit_code == 3 and "refusing to send a package in clear" in _said(nokey)
    outbox = op.settings.data_dir / "outbox"
    assert not outbox.exists() or not any(outbox.rglob("*")), "nothing written in clear"
    identity = pyrage.x25519.Identity.generate()
    key_file = tmp_path_factory.mktemp("force") / "force.key"
    key_file.write_text(f"# created: test\n{identity}\n")
    recipient = pkg["recipient"]
    assert run("admin", "forces", "set-key", recipient, str(identity.to_public())).exit_code == 0
    doc = _json(run("sender", "packages", "send", pkg["reference"], "--json"))
    mp.undo()
    return {"pkg": doc, "identity": str(identity), "key_file": key_file}


def test_sent_package_is_encrypted_in_the_recipient_outbox(
    op: SmallOperation, sent: dict[str, Any]
) -> None:
    pkg = sent["pkg"]
    path = Path(pkg["sent_file"])
    assert path.parent.name == pkg["recipient"].replace(":", "-")
    assert pkg["status"] == "sent" and pkg["sent_by"] == "sender" and pkg["sent_at"]
    data = path.read_bytes()
    assert data.startswith(b"age-encryption.org/v1\n")
    assert pkg["subject"].encode() not in data and b"OFFICIAL" not in data


def test_verify_passes_every_check(op: SmallOperation, sent: dict[str, Any], cli: Any) -> None:
    result = cli(
        "force",
        "package",
        "verify",
        sent["pkg"]["sent_file"],
        "--identity",
        str(sent["key_file"]),
        "--json",
    )
    doc = _json(result)
    assert doc["checks"] == ["decrypt", "archive", "signature", "manifest", "schema"]
    assert doc["reference"] == sent["pkg"]["reference"]


def test_a_tampered_byte_in_the_sent_file_names_it(
    op: SmallOperation, sent: dict[str, Any], cli: Any, tmp_path: Path
) -> None:
    original = Path(sent["pkg"]["sent_file"])
    data = original.read_bytes()
    for at in (len(data) // 2, len(data) - 1):
        bad = tmp_path / original.name
        bad.write_bytes(_flip(data, at))
        result = cli("force", "package", "verify", str(bad), "--identity", str(sent["key_file"]))
        assert result.exit_code == 6
        assert f"{original.name}: decrypt check failed" in _said(result)


def _bag(sent: dict[str, Any], into: Path) -> Path:
    plain = pyrage.decrypt(
        Path(sent["pkg"]["sent_file"]).read_bytes(),
        [pyrage.x25519.Identity.from_str(sent["identity"])],
    )
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        tar.extractall(into, filter="data")
    return into / str(sent["pkg"]["reference"])


def test_a_tampered_byte_in_any_bag_file_names_that_file(
    op: SmallOperation, sent: dict[str, Any], tmp_path: Path
) -> None:
    public = load_public_key(op.settings.data_dir / "keys" / "agency-ed25519.pub")
    clean = _bag(sent, tmp_path / "clean")
    assert verify(clean, public).checks == ("signature", "manifest", "schema")
    files = sorted(p.relative_to(clean).as_posix() for p in clean.rglob("*") if p.is_file())
    assert {"data/package.json", "data/package.pdf", "data/annex-hashes.csv"} <= set(files)
    for i, name in enumerate(files):
        bag = _bag(sent, tmp_path / f"t{i}")
        target = bag / name
        raw = target.read_bytes()
        target.write_bytes(_flip(raw, len(raw) // 2))
        with pytest.raises(VerifyFailed) as err:
            verify(bag, public)
        assert name in str(err.value), (name, str(err.value))


def test_every_step_is_in_the_audit_log(op: SmallOperation, sent: dict[str, Any], cli: Any) -> None:
    ref = sent["pkg"]["reference"]
    assert cli("force", "packages", "ack", ref, "--received").exit_code == 0
    doc = _json(cli("force", "packages", "ack", ref, "--json"))
    assert doc["status"] == "acknowledged" and doc["acknowledged_by"] == "force"
    assert doc["received_at"] <= doc["acknowledged_at"]
    from sqlalchemy import select

    from safeguard.store.models import AuditEvent

    with op.store.session() as s:
        events = [
            (e.action, e.actor)
            for e in s.scalars(
                select(AuditEvent).where(AuditEvent.target == ref).order_by(AuditEvent.id)
            )
        ]
        assert audit.verify(s) is None
    assert events == [
        ("package.approve", "supervisor"),
        ("package.send", "sender"),
        ("package.received", "force"),
        ("package.acknowledged", "force"),
    ]


def test_the_sent_document_is_the_approved_draft_with_its_issuer(
    op: SmallOperation, sent: dict[str, Any], tmp_path: Path
) -> None:
    bag = _bag(sent, tmp_path)
    inside = json.loads((bag / "data" / "package.json").read_bytes())
    draft = json.loads(Path(sent["pkg"]["file"]).read_bytes())
    assert inside["issued"]["officer"] == "supervisor"
    assert inside["issued"]["approved_at"] == sent["pkg"]["approved_at"]
    assert {k: v for k, v in inside.items() if k != "issued"} == {
        k: v for k, v in draft.items() if k != "issued"
    }
