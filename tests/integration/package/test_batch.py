"""A batch per recipient: approved packages sent together with a signed manifest, once."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import tarfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from typer.testing import CliRunner

from safeguard.cli.main import app
from safeguard.errors import ActionRefused, NotFoundError, VerifyFailed
from safeguard.package import lifecycle
from safeguard.package.batch import send_batch
from safeguard.package.keys import init_agency_key, load_public_key, set_recipient_key
from safeguard.package.queries import list_packages
from safeguard.package.verify import verify_batch
from tests.conftest import BACKENDS, empty_database
from tests.support.operation import SmallOperation, build_small_operation


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """A small operation, the agency key, the busiest recipient's key, all but one of its
    drafts approved by a second person, and one batch sent."""
    root = tmp_path_factory.mktemp("batch")
    op = build_small_operation(root, url=empty_database(request, request.param, root), accounts=150)
    init_agency_key(op.settings)
    drafts = list_packages(op.store, op.name, status="draft")
    recipient = Counter(d["recipient"] for d in drafts).most_common(1)[0][0]
    mine = sorted(d["reference"] for d in drafts if d["recipient"] == recipient)
    assert len(mine) >= 2, "the fixture needs two packages for one recipient"
    identity = pyrage.x25519.Identity.generate()
    set_recipient_key(op.store, recipient, str(identity.to_public()), user="admin")
    for ref in mine[:-1]:
        lifecycle.approve(op.store, op.name, ref, user="supervisor")
    first = send_batch(op.store, op.settings, op.name, recipient, user="sender")
    yield {"op": op, "recipient": recipient, "refs": mine, "identity": identity, "first": first}
    op.store.dispose()


def _public(op: SmallOperation) -> Ed25519PublicKey:
    return load_public_key(op.settings.data_dir / "keys" / "agency-ed25519.pub")


def _reference_inside(sealed: bytes, identity: Any) -> str:
    plain = pyrage.decrypt(sealed, [identity])
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/data/package.json"))
        fh = tar.extractfile(member)
        assert fh is not None
        return str(json.loads(fh.read())["reference"])


def test_a_batch_holds_every_approved_package_with_a_signed_manifest(
    world: dict[str, Any],
) -> None:
    op, first, identity = world["op"], world["first"], world["identity"]
    approved = world["refs"][:-1]
    folder = first.directory
    assert first.reference == f"{op.name}-{world['recipient'].replace(':', '-')}-B001"
    assert folder.parent.name == world["recipient"].replace(":", "-")
    assert folder.name == first.reference and sorted(first.packages) == approved
    body = (folder / "batch.json").read_bytes()
    signature = base64.b64decode((folder / "batch.json.ed25519").read_bytes())
    _public(op).verify(signature, body)  # raises if it is not the agency's signature
    manifest = json.loads(body)
    assert manifest["batch"] == first.reference
    assert manifest["recipient"]["id"] == world["recipient"]
    files = sorted(p.name for p in folder.iterdir())
    assert files == sorted(
        ["batch.json", "batch.json.ed25519", *(f"{r}.tar.age" for r in approved)]
    )
    for entry in manifest["packages"]:
        sealed = (folder / entry["file"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(sealed).hexdigest()
        assert entry["version"] == 1 and entry["bytes"] == len(sealed)
        assert _reference_inside(sealed, identity) == entry["reference"]
    assert sorted(e["reference"] for e in manifest["packages"]) == approved


def test_batched_packages_are_sent_and_listed_by_batch(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    op, first = world["op"], world["first"]
    monkeypatch.setenv("SAFEGUARD_DATA_DIR", str(op.settings.data_dir))
    monkeypatch.setenv("SAFEGUARD_DATABASE_URL", op.settings.url)
    result = CliRunner().invoke(
        app, ["packages", "list", "-o", op.name, "--batch", first.reference, "--json"]
    )
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert sorted(d["reference"] for d in listed) == sorted(first.packages)
    assert {(d["status"], d["sent_by"], d["batch"]) for d in listed} == {
        ("sent", "sender", first.reference)
    }
    assert all(Path(d["sent_file"]).parent == first.directory for d in listed)
    with pytest.raises(NotFoundError, match="no batch"):
        list_packages(op.store, op.name, batch="no-such-batch")


def test_running_again_sends_nothing_twice_and_only_new_approvals_next(
    world: dict[str, Any],
) -> None:
    op, first, recipient = world["op"], world["first"], world["recipient"]
    again = send_batch(op.store, op.settings, op.name, recipient, user="sender")
    assert again.reference is None and again.packages == ()
    outbox = first.directory.parent
    assert sorted(p.name for p in outbox.iterdir()) == [first.reference]
    with pytest.raises(ActionRefused, match="only an approved package"):
        lifecycle.send(op.store, op.settings, op.name, first.packages[0], user="sender")
    last = world["refs"][-1]
    lifecycle.approve(op.store, op.name, last, user="supervisor")
    second = send_batch(op.store, op.settings, op.name, recipient, user="sender")
    assert second.reference is not None and second.reference.endswith("-B002")
    assert second.packages == (last,)
    assert not set(second.packages) & set(first.packages)
    assert second.directory is not None
    assert verify_batch(second.directory, _public(op), str(world["identity"])).packages


def test_a_recipient_with_no_key_is_refused_and_nothing_is_written(
    world: dict[str, Any],
) -> None:
    op = world["op"]
    others = [
        d
        for d in list_packages(op.store, op.name, status="draft")
        if d["recipient"] != world["recipient"]
    ]
    if not others:
        pytest.skip("every draft is for the one recipient")
    other = others[0]
    lifecycle.approve(op.store, op.name, other["reference"], user="supervisor")
    with pytest.raises(NotFoundError, match="refusing to send a package in clear"):
        send_batch(op.store, op.settings, op.name, other["recipient"], user="sender")
    assert not (op.settings.data_dir / "outbox" / other["recipient"].replace(":", "-")).exists()


def _copy(world: dict[str, Any], into: Path) -> Path:
    return Path(shutil.copytree(world["first"].directory, into / world["first"].reference))


def _flip(path: Path) -> None:
    data = path.read_bytes()
    at = len(data) // 2
    path.write_bytes(data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :])


def test_verify_a_whole_batch_and_name_the_file_that_fails(
    world: dict[str, Any], tmp_path: Path
) -> None:
    op, identity = world["op"], str(world["identity"])
    public = _public(op)
    clean = verify_batch(world["first"].directory, public, identity)
    assert sorted(v.reference for v in clean.packages) == sorted(world["first"].packages)
    victim = f"{world['first'].packages[-1]}.tar.age"
    cases: list[tuple[str, Any, str]] = [
        (victim, lambda b: _flip(b / victim), "batch-manifest"),
        ("batch.json", lambda b: _flip(b / "batch.json"), "batch-signature"),
        (victim, lambda b: (b / victim).unlink(), "batch-manifest"),
        ("stray.tar.age", lambda b: (b / "stray.tar.age").write_bytes(b"x"), "batch-manifest"),
    ]
    for i, (name, damage, check) in enumerate(cases):
        bad = _copy(world, tmp_path / str(i))
        damage(bad)
        with pytest.raises(VerifyFailed) as err:
            verify_batch(bad, public, identity)
        assert (err.value.file, err.value.check) == (name, check)


def test_package_verify_on_a_batch_directory(
    world: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    op = world["op"]
    monkeypatch.setenv("SAFEGUARD_DATA_DIR", str(op.settings.data_dir))
    key_file = tmp_path / "force.key"
    key_file.write_text(f"{world['identity']}\n")
    agency = op.settings.data_dir / "keys" / "agency-ed25519.pub"
    args = ["package", "verify", "--identity", str(key_file), "--agency-key", str(agency)]
    ok = CliRunner().invoke(app, [*args, str(world["first"].directory), "--json"])
    assert ok.exit_code == 0, ok.output
    assert sorted(json.loads(ok.stdout)["packages"]) == sorted(world["first"].packages)
    bad = _copy(world, tmp_path)
    victim = f"{world['first'].packages[0]}.tar.age"
    _flip(bad / victim)
    failed = CliRunner().invoke(app, [*args, str(bad)])
    assert failed.exit_code == 6
    assert f"{victim}: batch-manifest check failed" in " ".join(failed.output.split())


def test_a_batch_verifies_the_same_on_every_core(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from safeguard.package import bag

    op, identity = world["op"], str(world["identity"])
    serial = verify_batch(world["first"].directory, _public(op), identity)
    monkeypatch.setattr(bag, "PARALLEL_FROM", 1)
    pooled = verify_batch(world["first"].directory, _public(op), identity)
    assert [v.reference for v in pooled.packages] == [v.reference for v in serial.packages]
    assert [v.document for v in pooled.packages] == [v.document for v in serial.packages]
