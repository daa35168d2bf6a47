"""Evidence files are verified in the same read that keeps them, on a background thread."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from safeguard.errors import DeliveryRejected
from safeguard.ingest.evidence import Keeper, keep
from safeguard.ingest.formats.base import DeliveryFile


def _file(tmp_path: Path, name: str, data: bytes, claimed: bytes | None = None) -> DeliveryFile:
    path = tmp_path / "delivery" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    digest = hashlib.sha256(data if claimed is None else claimed).hexdigest()
    return DeliveryFile(name, path, digest, len(data), verified=False)


def test_a_kept_file_is_read_only_under_its_digest(tmp_path: Path) -> None:
    f = _file(tmp_path, "accounts.csv", b"account_id\na1\n")
    kept = keep(tmp_path / "evidence", f)
    assert kept == tmp_path / "evidence" / f.sha256[:2] / f.sha256
    assert kept.read_bytes() == b"account_id\na1\n"
    assert not kept.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert [p.name for p in kept.parent.iterdir()] == [f.sha256]  # no temporary left


def test_a_file_unlike_its_manifest_entry_is_refused_and_not_kept(tmp_path: Path) -> None:
    f = _file(tmp_path, "logins.csv", b"tampered", claimed=b"original")
    with pytest.raises(DeliveryRejected, match=r"checksum mismatch for logins\.csv"):
        keep(tmp_path / "evidence", f)
    assert not any(p.is_file() for p in (tmp_path / "evidence").rglob("*"))


def test_content_already_kept_is_still_verified(tmp_path: Path) -> None:
    good = _file(tmp_path, "a.csv", b"same bytes")
    keep(tmp_path / "evidence", good)
    (tmp_path / "delivery" / "a.csv").write_bytes(b"other bytes")  # changed since inspection
    changed = DeliveryFile("a.csv", good.path, good.sha256, good.size, verified=True)
    with pytest.raises(DeliveryRejected, match="changed while it was being ingested"):
        keep(tmp_path / "evidence", changed)


def test_keeper_reports_a_mismatch_as_the_cause_of_a_failed_load(tmp_path: Path) -> None:
    files = [_file(tmp_path, "a.csv", b"fine"), _file(tmp_path, "b.csv", b"bad", claimed=b"x")]
    with (
        pytest.raises(DeliveryRejected, match=r"checksum mismatch for b\.csv") as err,
        Keeper(tmp_path / "evidence", files),
    ):
        raise DeliveryRejected("b.csv: cannot be parsed")
    assert "cannot be parsed" in str(err.value.__cause__)


def test_keeper_returns_the_kept_paths_in_order(tmp_path: Path) -> None:
    files = [_file(tmp_path, f"{n}.csv", n.encode() * 1000) for n in "abc"]
    with Keeper(tmp_path / "evidence", files) as keeper:
        kept = keeper.kept()
    assert [p.name for p in kept] == [f.sha256 for f in files]
    assert [p.read_bytes() for p in kept] == [f.path.read_bytes() for f in files]
