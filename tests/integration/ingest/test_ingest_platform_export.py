"""Ingest of a platform-export directory into the store (SQLite and PostgreSQL)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from safeguard.config import Settings
from safeguard.errors import DeliveryRejected
from safeguard.ingest import run
from safeguard.ingest.testing import write_platform_export
from safeguard.store.db import Store
from safeguard.store.models import (
    Account,
    Delivery,
    DeliveryFile,
    FileEvent,
    Identifier,
    LoginEvent,
    Message,
    Operation,
    QuarantinedRow,
    StageRun,
)

MD5 = "0123456789abcdef0123456789abcdef"
SHA1 = "0123456789abcdef0123456789abcdef01234567"


def _tables() -> dict[str, list[dict[str, Any]]]:
    return {
        "accounts": [
            {"account_id": "u1", "username": "Alice_99", "display_name": "Al  Ice",
             "email": " J.Smith+x@GoogleMail.com ", "phone": "07700 900123",
             "created_at": "2019-01-02T03:04:05+01:00", "declared_country": "gb",
             "declared_postcode": "bd206ab", "favourite": "blue"},
            {"account_id": "u2", "username": "bob", "display_name": "", "email": "not-an-email",
             "phone": "", "created_at": "", "declared_country": "FR",
             "declared_postcode": "75001", "favourite": ""},
            {"account_id": "u2", "username": "dup", "display_name": "", "email": "",
             "phone": "", "created_at": "", "declared_country": "",
             "declared_postcode": "", "favourite": ""},
            {"account_id": "", "username": "nobody", "display_name": "", "email": "",
             "phone": "", "created_at": "", "declared_country": "",
             "declared_postcode": "", "favourite": ""},
        ],
        "logins": [
            {"account_id": "u1", "timestamp": "2020-01-01T10:00:00Z", "ip": "::ffff:192.0.2.1",
             "event": "login", "port": "443", "device_id": "dev-A"},
            {"account_id": "u1", "timestamp": "2020-01-01T11:00:00Z",
             "ip": "2001:0db8:0000:0000:0000:0000:0000:0001", "event": "", "port": "",
             "device_id": "dev-A"},
            {"account_id": "u2", "timestamp": "2020-01-01T10:00:00", "ip": "198.51.100.7",
             "event": "login", "port": "", "device_id": ""},
            {"account_id": "zz", "timestamp": "2020-01-01T10:00:00Z", "ip": "198.51.100.7",
             "event": "login", "port": "", "device_id": ""},
            {"account_id": "u2", "timestamp": "2020-01-01T10:00:00Z", "ip": "999.1.1.1",
             "event": "login", "port": "", "device_id": ""},
            {"account_id": "u2", "timestamp": "2020-01-01T10:00:00Z",
             "ip": "fe80::1%25';DROP TABLE account;--", "event": "login", "port": "",
             "device_id": ""},
        ],
        "files": [
            {"event_id": "f1", "account_id": "u1", "timestamp": "2020-02-01T00:00:00Z",
             "direction": "share", "counterpart_account_id": "u2", "md5": MD5.upper(),
             "sha1": "", "pdq_quality": "90"},
            {"event_id": "f2", "account_id": "u2", "timestamp": "2020-02-01T00:00:00Z",
             "direction": "download", "counterpart_account_id": "elsewhere", "md5": "",
             "sha1": SHA1, "pdq_quality": "101"},
            {"event_id": "f3", "account_id": "u2", "timestamp": "2020-02-01T00:00:00Z",
             "direction": "upload", "counterpart_account_id": "", "md5": "xyz",
             "sha1": "", "pdq_quality": ""},
        ],
        "messages": [
            {"message_id": "m1", "timestamp": "2020-03-01T00:00:00Z",
             "sender_account_id": "u1", "recipient_account_ids": "u2 u9", "text": "hi"},
        ],
        "identifiers": [
            {"account_id": "u2", "kind": "phone", "value": "01 42 68 53 00"},
            {"account_id": "u2", "kind": "payment_ref", "value": " PAY-1 "},
            {"account_id": "u2", "kind": "shoe_size", "value": "9"},
            {"account_id": "u2", "kind": "ip", "value": "fe80::1%eth0"},
            {"account_id": "u2", "kind": "ip", "value": "198.51.100.9"},
        ],
    }  # fmt: skip


@pytest.fixture
def delivery(tmp_path: Path) -> Path:
    return write_platform_export(tmp_path / "delivery", _tables())


def _count(store: Store, model: Any) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_accounts_are_stored_normalised_with_unknown_columns_kept(
    store: Store, settings: Settings, delivery: Path
) -> None:
    result = run(store, settings, delivery, "op-test", user="analyst1")
    assert result.created
    with store.session() as s:
        u1 = s.scalars(select(Account).where(Account.platform_account_id == "u1")).one()
        u2 = s.scalars(select(Account).where(Account.platform_account_id == "u2")).one()
    assert (u1.platform, u1.username_norm) == ("exampleshare", "alice_99")
    assert (u1.declared_postcode, u1.declared_district) == ("BD20 6AB", "BD20")
    assert u1.phone == "+447700900123"
    assert u1.attributes == {"favourite": "blue"}
    assert u1.created_at is not None and u1.created_at.hour == 2
    assert (u2.declared_postcode, u2.declared_district, u2.email) == ("75001", None, None)
    assert result.tables["accounts.csv"] == {"accepted": 2, "quarantined": 2, "values_dropped": 1}
    assert result.reasons["accounts.csv"] == {
        "bad_email": 1, "duplicate_key": 1, "missing_value": 1,
    }  # fmt: skip


def test_identifiers_carry_canonical_and_loose_forms(
    store: Store, settings: Settings, delivery: Path
) -> None:
    run(store, settings, delivery, "op-test")
    with store.session() as s:
        idents = {
            (i.kind, i.norm, i.alt_norm)
            for i in s.scalars(
                select(Identifier).join(Account, Identifier.account_id == Account.id)
            )
        }
    assert ("email", "j.smith+x@googlemail.com", "jsmith@gmail.com") in idents
    assert ("phone", "+447700900123", None) in idents
    assert ("phone", "+33142685300", None) in idents  # French national number: region from FR
    assert ("postcode", "BD20 6AB", "BD20") in idents
    assert ("username", "alice_99", None) in idents
    assert ("name", "al ice", None) in idents
    assert ("payment_ref", "PAY-1", None) in idents
    device_ids = [i for i in idents if i[0] == "device_id"]
    assert device_ids == [("device_id", "dev-A", None)]


def test_events_resolve_accounts_and_normalise_values(
    store: Store, settings: Settings, delivery: Path
) -> None:
    result = run(store, settings, delivery, "op-test")
    with store.session() as s:
        ids = {pid: aid for pid, aid in s.execute(select(Account.platform_account_id, Account.id))}
        logins = s.scalars(select(LoginEvent).order_by(LoginEvent.ts)).all()
        files = {f.platform_event_id: f for f in s.scalars(select(FileEvent))}
        message = s.scalars(select(Message)).one()
    assert [lg.ip for lg in logins] == ["192.0.2.1", "2001:db8::1"]
    assert [lg.kind for lg in logins] == ["login", "login"]
    assert logins[0].port == 443 and logins[0].account_id == ids["u1"]
    assert files["f1"].md5 == MD5 and files["f1"].counterpart_account_id == ids["u2"]
    assert files["f2"].counterpart_account_id is None
    assert files["f2"].counterpart_platform_id == "elsewhere"
    assert files["f2"].pdq_quality is None  # 101 dropped, row kept
    assert "f3" not in files  # its only hash is bad
    assert message.sender_account_id == ids["u1"] and message.recipient_platform_ids == "u2 u9"
    assert result.reasons["logins.csv"] == {
        "bad_ip": 2, "bad_timestamp": 1, "unknown_account": 1,
    }  # fmt: skip
    assert result.reasons["files.csv"] == {"bad_hash": 1, "bad_integer": 1, "no_hash": 1}
    assert result.reasons["identifiers.csv"] == {"bad_enum": 1, "bad_ip": 1}
    with store.session() as s:
        stored = set(s.scalars(select(LoginEvent.ip))) | set(s.scalars(select(Identifier.norm)))
    assert not any("%" in (v or "") for v in stored)
    assert "198.51.100.9" in stored


def test_every_stored_reference_resolves(tmp_path: Path, delivery: Path) -> None:
    """SQLite loads without enforcing foreign keys row by row; every reference must hold."""
    url = f"sqlite:///{tmp_path / 'fk.db'}"
    store = Store.open_url(url)
    run(store, Settings(data_dir=tmp_path / "data", database_url=url), delivery, "op-test")
    with store.transaction() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM file_event").scalar_one() > 0
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    store.dispose()


def test_quarantined_rows_say_where_and_why(
    store: Store, settings: Settings, delivery: Path
) -> None:
    result = run(store, settings, delivery, "op-test")
    with store.session() as s:
        rows = s.scalars(
            select(QuarantinedRow).where(QuarantinedRow.delivery_id == result.delivery_id)
        ).all()
    by_reason = {(q.file, q.reason): q for q in rows}
    dup = by_reason[("accounts.csv", "duplicate_key")]
    assert (dup.line, dup.column) == (4, "account_id") and '"dup"' in dup.raw
    ts = by_reason[("logins.csv", "bad_timestamp")]
    assert (ts.line, ts.column) == (4, "timestamp") and "2020-01-01T10:00:00" in ts.detail
    assert by_reason[("logins.csv", "unknown_account")].line == 5


def test_delivery_provenance_and_run_are_recorded(
    store: Store, settings: Settings, delivery: Path
) -> None:
    result = run(store, settings, delivery, "op-test", user="analyst1")
    with store.session() as s:
        d = s.get(Delivery, result.delivery_id)
        files = s.scalars(select(DeliveryFile)).all()
        stage = s.scalars(select(StageRun).where(StageRun.stage == "ingest")).one()
    assert d is not None and d.ingested_by == "analyst1"
    assert (d.grading_source, d.grading_intelligence, d.grading_handling) == ("2", "B", "P")
    assert d.report["tables"]["accounts.csv"]["accepted"] == 2
    assert {f.path for f in files} == {
        "manifest.json", "accounts.csv", "logins.csv", "files.csv", "messages.csv",
        "identifiers.csv",
    }  # fmt: skip
    for f in files:
        kept = Path(f.evidence_path)
        assert kept.read_bytes() == (delivery / f.path).read_bytes()
        assert not kept.stat().st_mode & 0o222  # read-only
    assert stage.status == "ok" and stage.counts["delivery_id"] == result.delivery_id


def test_reingest_is_a_no_op(store: Store, settings: Settings, delivery: Path) -> None:
    first = run(store, settings, delivery, "op-test")
    counts = [_count(store, m) for m in (Account, Identifier, LoginEvent, QuarantinedRow)]
    again = run(store, settings, delivery, "op-test")
    assert (again.created, again.delivery_id) == (False, first.delivery_id)
    assert again.tables == first.tables
    assert [_count(store, m) for m in (Account, Identifier, LoginEvent, QuarantinedRow)] == counts


@pytest.mark.parametrize("damage", ["checksum", "missing", "unparseable"])
def test_rejected_delivery_leaves_store_unchanged(
    store: Store, settings: Settings, delivery: Path, damage: str
) -> None:
    if damage == "checksum":
        with (delivery / "logins.csv").open("a") as fh:
            fh.write("u1,2020-01-01T00:00:00Z,192.0.2.9,login,,\n")
    elif damage == "missing":
        (delivery / "messages.csv").unlink()
    else:
        import json

        from safeguard.ingest.testing import write_manifest

        (delivery / "files.csv").write_bytes(b"\xff\xfe\x00bad header\n")
        names = json.loads((delivery / "manifest.json").read_text())["files"]
        write_manifest(delivery, list(names))
    with pytest.raises(DeliveryRejected) as err:
        run(store, settings, delivery, "op-test")
    assert {"checksum": "checksum mismatch", "missing": "missing", "unparseable": "files.csv"}[
        damage
    ] in str(err.value)
    for model in (Delivery, DeliveryFile, Account, Identifier, LoginEvent, QuarantinedRow):
        assert _count(store, model) == 0
    assert _count(store, Operation) == 0  # the operation it would have created is not kept
    assert _kept_files(settings) == []  # nor any of its files in the evidence store


def _kept_files(settings: Settings) -> list[Path]:
    root = settings.evidence_dir
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_refusal_keeps_the_files_of_deliveries_already_stored(
    store: Store, settings: Settings, delivery: Path, tmp_path: Path
) -> None:
    run(store, settings, delivery, "op-test")
    before = _kept_files(settings)
    refused = write_platform_export(tmp_path / "refused", _tables())
    (refused / "files.csv").write_bytes(b"\xff\xfe\x00bad header\n")
    from safeguard.ingest.testing import write_manifest

    write_manifest(refused, ["accounts.csv", "logins.csv", "files.csv", "messages.csv",
                             "identifiers.csv"])  # fmt: skip
    with pytest.raises(DeliveryRejected):
        run(store, settings, refused, "op-test")
    # Its accounts.csv has the same bytes as the stored delivery's: that copy stays.
    assert _kept_files(settings) == before
    assert _count(store, Operation) == 1 and _count(store, Delivery) == 1


def test_a_killed_ingests_partial_copy_is_removed_by_the_next(
    store: Store, settings: Settings, delivery: Path
) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    partial = settings.evidence_dir / "ab" / f".{'ab' * 32}.{dead.stdout.strip()}.140.tmp"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"half a file")
    run(store, settings, delivery, "op-test")
    assert not partial.exists()
