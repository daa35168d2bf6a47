"""The same delivery as CSV, JSON Lines or Parquet, as a directory, .zip or .tar.gz."""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from safeguard.config import Settings
from safeguard.ingest import run
from safeguard.ingest.testing import write_platform_export
from safeguard.store.db import Store
from safeguard.store.models import DeliveryFile, FileEvent, LoginEvent

TABLES: dict[str, list[dict[str, Any]]] = {
    "accounts": [
        {"account_id": "a1", "username": "Ann", "email": "ann@example.org", "port_pref": 7},
        {"account_id": "a2", "username": "Bo", "email": "", "port_pref": ""},
    ],
    "logins": [
        {"account_id": "a1", "timestamp": "2020-01-01T00:00:00Z", "ip": "::ffff:10.1.2.3",
         "port": 8080},
        {"account_id": "a2", "timestamp": "2020-01-01T00:00:00+02:00", "ip": "10.9.9.9",
         "port": "x"},
        {"account_id": "a3", "timestamp": "2020-01-01T00:00:00Z", "ip": "10.9.9.9", "port": ""},
    ],
    "files": [
        {"event_id": "e1", "account_id": "a1", "timestamp": "2020-01-02T00:00:00Z",
         "direction": "upload", "sha256": "ab" * 32, "file_size": 1234},
    ],
}  # fmt: skip


def _outcome(store: Store, settings: Settings, path: Path) -> tuple[Any, ...]:
    result = run(store, settings, path, "op")
    with store.session() as s:
        logins = sorted((lg.ip, lg.port, str(lg.ts)) for lg in s.scalars(select(LoginEvent)))
        files = [(f.sha256, f.file_size) for f in s.scalars(select(FileEvent))]
    return result.tables, result.reasons, logins, files


@pytest.mark.parametrize("suffix", ["jsonl", "parquet"])
def test_jsonl_and_parquet_load_like_csv(
    tmp_path: Path, settings: Settings, store: Store, suffix: str
) -> None:
    csv_store = Store.open_url(f"sqlite:///{tmp_path}/csv.db")
    expected = _outcome(
        csv_store, Settings(data_dir=tmp_path / "c"), write_platform_export(tmp_path / "c", TABLES)
    )
    other = write_platform_export(tmp_path / suffix, TABLES, suffix=suffix)
    got = _outcome(store, settings, other)
    rename = {f"{t}.csv": f"{t}.{suffix}" for t in TABLES}
    assert got[0] == {rename[k]: v for k, v in expected[0].items()}
    assert got[1] == {rename[k]: v for k, v in expected[1].items()}
    assert got[2:] == expected[2:]
    assert got[1][f"logins.{suffix}"] == {"bad_integer": 1, "unknown_account": 1}


def _zip(src: Path, target: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(src.iterdir()):
            zf.write(p, prefix + p.name)
    return target


def _tar(src: Path, target: Path, prefix: str = "") -> Path:
    with tarfile.open(target, "w:gz") as tf:
        for p in sorted(src.iterdir()):
            tf.add(p, prefix + p.name)
    return target


@pytest.mark.parametrize(
    ("pack", "name", "prefix"),
    [(_zip, "d.zip", ""), (_tar, "d.tar.gz", ""), (_zip, "d2.zip", "export/")],
)
def test_archives_ingest_and_keep_the_archive(
    tmp_path: Path, sqlite_store: Store, pack: Any, name: str, prefix: str
) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    src = write_platform_export(tmp_path / "src", TABLES)
    archive = pack(src, tmp_path / name, prefix)
    result = run(sqlite_store, settings, archive, "op")
    assert result.tables["logins.csv"]["accepted"] == 2
    with sqlite_store.session() as s:
        kept = {f.path: f for f in s.scalars(select(DeliveryFile))}
    assert set(kept) == {name, "manifest.json", "accounts.csv", "logins.csv", "files.csv"}
    assert Path(kept[name].evidence_path).read_bytes() == archive.read_bytes()
    again = run(sqlite_store, settings, src, "op")  # same manifest: same delivery
    assert (again.created, again.delivery_id) == (False, result.delivery_id)
