"""Hostile deliveries: each is refused whole, or its bad rows quarantined, never half-loaded."""

from __future__ import annotations

import io
import json
import os
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from safeguard.config import Settings
from safeguard.errors import DeliveryRejected
from safeguard.ingest import run, tables
from safeguard.ingest.testing import write_manifest, write_platform_export
from safeguard.store.db import Store
from safeguard.store.models import Account, Delivery, FileEvent, Message, QuarantinedRow

ACCOUNTS = [{"account_id": "a1", "username": "x"}, {"account_id": "a2", "username": "y"}]


def _count(store: Store, model: Any) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _quarantine(store: Store) -> list[QuarantinedRow]:
    with store.session() as s:
        return list(s.scalars(select(QuarantinedRow).order_by(QuarantinedRow.line)))


def _raw_delivery(root: Path, files: dict[str, bytes]) -> Path:
    root.mkdir(parents=True)
    for name, data in files.items():
        (root / name).write_bytes(data)
    write_manifest(root, list(files))
    return root


def _settings(tmp_path: Path, **kw: Any) -> Settings:
    return Settings(data_dir=tmp_path / "data", **kw)


def test_zip_bomb_ratio_is_refused(tmp_path: Path, sqlite_store: Store) -> None:
    src = write_platform_export(tmp_path / "src", {"accounts": ACCOUNTS})
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in src.iterdir():
            zf.write(p, p.name)
        zf.writestr("padding.bin", b"\0" * (20 << 20))
    with pytest.raises(DeliveryRejected, match="ratio"):
        run(sqlite_store, _settings(tmp_path), archive, "op")
    assert _count(sqlite_store, Delivery) == 0


def test_archive_size_limit_is_refused(tmp_path: Path, sqlite_store: Store) -> None:
    src = write_platform_export(tmp_path / "src", {"accounts": ACCOUNTS})
    archive = tmp_path / "big.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        for p in src.iterdir():
            tf.add(p, p.name)
    with pytest.raises(DeliveryRejected, match="ARCHIVE_MAX_BYTES"):
        run(sqlite_store, _settings(tmp_path, archive_max_bytes=100), archive, "op")


def test_path_traversal_in_a_zip_is_refused(tmp_path: Path, sqlite_store: Store) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../escaped.txt", b"x")
    with pytest.raises(DeliveryRejected, match="unsafe path"):
        run(sqlite_store, _settings(tmp_path), archive, "op")
    assert not (tmp_path / "escaped.txt").exists()


def test_links_in_a_tar_are_refused(tmp_path: Path, sqlite_store: Store) -> None:
    archive = tmp_path / "link.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        info = tarfile.TarInfo("accounts.csv")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        tf.addfile(info)
    with pytest.raises(DeliveryRejected, match="link"):
        run(sqlite_store, _settings(tmp_path), archive, "op")


def test_a_listed_file_that_is_a_link_is_refused(tmp_path: Path, sqlite_store: Store) -> None:
    src = write_platform_export(tmp_path / "d", {"accounts": ACCOUNTS})
    (tmp_path / "outside.csv").write_bytes((src / "accounts.csv").read_bytes())
    (src / "accounts.csv").unlink()
    os.symlink(tmp_path / "outside.csv", src / "accounts.csv")
    with pytest.raises(DeliveryRejected, match="link"):
        run(sqlite_store, _settings(tmp_path), src, "op")


def test_100k_columns_are_refused(tmp_path: Path, sqlite_store: Store) -> None:
    header = ",".join(["account_id", *(f"c{i}" for i in range(100_000))])
    d = _raw_delivery(tmp_path / "d", {"accounts.csv": f"{header}\na1\n".encode()})
    with pytest.raises(DeliveryRejected, match="100001 columns"):
        run(sqlite_store, _settings(tmp_path), d, "op")


def test_invalid_utf8_and_nul_bytes_are_quarantined(
    tmp_path: Path, store: Store, settings: Settings
) -> None:
    body = b"account_id,username\na1,ok\na2,bad\xff\xfe\na3,nul\x00here\na4,fine\n"
    result = run(store, settings, _raw_delivery(tmp_path / "d", {"accounts.csv": body}), "op")
    assert result.tables["accounts.csv"] == {"accepted": 3, "quarantined": 1, "values_dropped": 1}
    found = [(q.line, q.column, q.reason) for q in _quarantine(store)]
    assert found == [(3, "username", "bad_encoding"), (4, "username", "nul_byte")]
    with store.session() as s:
        names = dict(s.execute(select(Account.platform_account_id, Account.username)).all())
    assert names == {"a1": "ok", "a3": None, "a4": "fine"}


def test_ten_megabyte_field_is_dropped_and_the_row_kept(
    tmp_path: Path, store: Store, settings: Settings
) -> None:
    huge = "x" * (10 << 20)
    d = write_platform_export(tmp_path / "d", {"accounts": [{"account_id": "a1", "bio": huge}]})
    result = run(store, settings, d, "op")
    assert result.reasons["accounts.csv"] == {"too_long": 1}
    (entry,) = _quarantine(store)
    assert len(entry.raw) < 70_000 and len(entry.detail) < 500
    assert _count(store, Account) == 1


def test_formula_injection_is_kept_as_data(tmp_path: Path, sqlite_store: Store) -> None:
    evil = '=HYPERLINK("http://example.invalid","x")'
    d = write_platform_export(
        tmp_path / "d", {"accounts": [{"account_id": "+cmd|' /C calc'!A0", "username": evil}]}
    )
    run(sqlite_store, _settings(tmp_path), d, "op")
    with sqlite_store.session() as s:
        acc = s.scalars(select(Account)).one()
    assert (acc.platform_account_id, acc.username) == ("+cmd|' /C calc'!A0", evil)


def test_duplicate_keys_keep_the_first_row(
    tmp_path: Path, store: Store, settings: Settings
) -> None:
    def event(eid: str, md5: str) -> dict[str, str]:
        return {"event_id": eid, "account_id": "a1", "timestamp": "2020-01-01T00:00:00Z",
                "direction": "upload", "md5": md5}  # fmt: skip

    msg = {"message_id": "m1", "timestamp": "2020-01-01T00:00:00Z", "sender_account_id": "a1"}
    tables = {
        "accounts": [*ACCOUNTS, {"account_id": "a1", "username": "again"}],
        "files": [event("e1", "a" * 32), event("e2", "b" * 32), event("e1", "c" * 32)],
        "messages": [msg, msg],
    }
    result = run(store, settings, write_platform_export(tmp_path / "d", tables), "op")
    with store.session() as s:
        files = sorted((f.platform_event_id, f.md5) for f in s.scalars(select(FileEvent)))
    assert files == [("e1", "a" * 32), ("e2", "b" * 32)]
    assert _count(store, Message) == 1
    dups = [(q.file, q.line) for q in _quarantine(store) if q.reason == "duplicate_key"]
    assert sorted(dups) == [("accounts.csv", 4), ("files.csv", 4), ("messages.csv", 3)]
    assert result.tables["files.csv"] == {"accepted": 2, "quarantined": 1, "values_dropped": 0}
    assert result.records["file_events"] == 2


def test_timestamps_out_of_range_are_quarantined(tmp_path: Path, sqlite_store: Store) -> None:
    logins = [
        {"account_id": "a1", "timestamp": ts, "ip": "10.0.0.1"}
        for ts in ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2020-06-01T00:00:00+01:00")
    ]
    d = write_platform_export(tmp_path / "d", {"accounts": ACCOUNTS, "logins": logins})
    result = run(sqlite_store, _settings(tmp_path), d, "op")
    assert result.reasons["logins.csv"] == {"timestamp_out_of_range": 2}
    assert result.tables["logins.csv"]["accepted"] == 1


def test_ragged_rows_are_quarantined_with_their_line(tmp_path: Path, sqlite_store: Store) -> None:
    body = b"account_id,username\na1,x\na2,y,extra\na3,z\n"
    d = _raw_delivery(tmp_path / "d", {"accounts.csv": body})
    result = run(sqlite_store, _settings(tmp_path), d, "op")
    assert result.tables["accounts.csv"]["accepted"] == 2
    assert [(q.line, q.reason) for q in _quarantine(sqlite_store)] == [(3, "bad_row")]


def test_malformed_jsonl_lines_are_quarantined(tmp_path: Path, sqlite_store: Store) -> None:
    body = io.BytesIO()
    body.write(b'{"account_id": "a1"}\n[1, 2]\n{"account_id": \n\n{"account_id": "a2"}\n')
    d = _raw_delivery(tmp_path / "d", {"accounts.jsonl": body.getvalue()})
    result = run(sqlite_store, _settings(tmp_path), d, "op")
    assert result.tables["accounts.jsonl"]["accepted"] == 2
    assert [(q.line, q.reason) for q in _quarantine(sqlite_store)] == [
        (2, "bad_row"),
        (3, "bad_row"),
    ]


def test_jsonl_objects_and_arrays_in_a_column_are_quarantined_not_stored(
    tmp_path: Path, sqlite_store: Store
) -> None:
    body = (
        b'{"account_id": "a1", "username": "x"}\n'
        b'{"account_id": {"$ne": null}, "username": "y"}\n'
        b'{"account_id": "a3", "username": ["z", "w"]}\n'
        b'{"account_id": "a4", "username": "v", "favourite": {"colour": "blue"}}\n'
        b'{"account_id": "a5", "username": 7}\n'
    )
    d = _raw_delivery(tmp_path / "d", {"accounts.jsonl": body})
    result = run(sqlite_store, _settings(tmp_path), d, "op")
    assert result.reasons["accounts.jsonl"] == {"not_scalar": 3}
    with sqlite_store.session() as s:
        ids = sorted(s.scalars(select(Account.platform_account_id)))
    assert ids == ["a1", "a5"]  # a number is a scalar (read as its JSON text)
    refused = {q.line: q for q in _quarantine(sqlite_store)}
    assert sorted(refused) == [2, 3, 4]
    assert refused[2].column == "account_id"
    assert json.loads(json.loads(refused[2].raw)["account_id"]) == {"$ne": None}
    assert refused[3].column == "username"


def test_parquet_nested_values_are_quarantined_not_stored(
    tmp_path: Path, sqlite_store: Store
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = tmp_path / "d"
    root.mkdir()
    table = pa.table({
        "account_id": ["a1", "a2", "a3"],
        "username": ["x", "y", "z"],
        "tags": pa.array([None, ["p", "q"], None], pa.list_(pa.string())),
    })  # fmt: skip
    pq.write_table(table, root / "accounts.parquet")
    write_manifest(root, ["accounts.parquet"])
    result = run(sqlite_store, _settings(tmp_path), root, "op")
    assert result.reasons["accounts.parquet"] == {"not_scalar": 1}
    with sqlite_store.session() as s:
        assert sorted(s.scalars(select(Account.platform_account_id))) == ["a1", "a3"]
    (row,) = _quarantine(sqlite_store)
    assert (row.line, row.column, row.reason) == (2, "tags", "not_scalar")


def test_a_record_longer_than_a_csv_block_rejects_the_delivery(
    tmp_path: Path, sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tables, "_BLOCK_SIZE", 1 << 20)
    huge = "x" * (2 << 20)
    d = write_platform_export(tmp_path / "d", {"accounts": [{"account_id": "a1", "bio": huge}]})
    with pytest.raises(DeliveryRejected, match="a record is longer than 1 MB"):
        run(sqlite_store, _settings(tmp_path), d, "op")
    assert _count(sqlite_store, Account) == 0
