"""Scanning disk images: a FAT image made with Debian's dosfstools and mtools (one file
deleted with ``mdel``), listed against the Sleuth Kit's own ``fls``, and the same image
as E01 (``ewfacquire``) giving the same report."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from safeguard import scan
from safeguard.config import Settings
from safeguard.hashsets.importer import import_hash_set
from safeguard.scan.report import iter_files
from safeguard.store.db import Store
from tests.integration.scan.conftest import body
from tests.support.devices import jpeg_bytes, photo

_FLS_LINE = re.compile(r"^(\S)/\S (\* )?(\d+)(?:-\S+)?:\t(.*)$")


def _run(*cmd: str) -> str:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


@pytest.fixture(scope="module")
def fat_image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("img")
    image = root / "card.dd"
    _run("mkfs.vfat", "-C", str(image), "16384")
    files = {
        "known.jpg": jpeg_bytes(photo("astronaut")),
        "holiday.jpg": jpeg_bytes(photo("chelsea")),
        "gone.jpg": jpeg_bytes(photo("camera")),
        "notes.txt": b"shopping list\n",
    }
    _run("mmd", "-i", str(image), "::/DCIM")
    for name, data in files.items():
        (root / name).write_bytes(data)
        _run("mcopy", "-i", str(image), str(root / name), f"::/DCIM/{name}")
    _run("mdel", "-i", str(image), "::/DCIM/gone.jpg")
    (root / "known.csv").write_text(
        f"sha256,category\n{_sha256(files['known.jpg'])},A\n{_sha256(files['gone.jpg'])},B\n"
    )
    return image


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _fls(image: Path) -> dict[str, bool]:
    """Regular files the Sleuth Kit's ``fls`` lists, and whether each is deleted."""
    out = {}
    for line in _run("fls", "-r", "-p", str(image)).splitlines():
        m = _FLS_LINE.match(line)
        if m and m.group(1) == "r":
            out[m.group(4)] = m.group(2) is not None
    return out


def _store(tmp_path: Path, image: Path) -> tuple[Store, Settings]:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/s.db")
    store = Store.open(settings)
    import_hash_set(store, image.parent / "known.csv", name="known", fmt="safeguard-csv")
    return store, settings


def test_raw_image_lists_what_fls_lists_and_finds_the_deleted_file(
    tmp_path: Path, fat_image: Path
) -> None:
    store, settings = _store(tmp_path, fat_image)
    req = scan.ScanRequest(source=fat_image, device="CARD-1", workers=1)
    scan_id = scan.run(store, settings, req).scan_id
    files = {d["path"]: d for d in iter_files(store, scan_id)}
    assert {p: d["deleted"] for p, d in files.items()} == _fls(fat_image)
    report = scan.scan_report(store, str(scan_id))
    matched = {f["path"]: (f["category"], f["deleted"]) for f in report["matched"]}
    assert matched == {"DCIM/known.jpg": ("A", False), "DCIM/_one.jpg": ("B", True)}
    assert report["scan"]["source_kind"] == "raw"
    assert [f["path"] for f in report["to_grade"]] == ["DCIM/holiday.jpg"]


def test_e01_image_reports_the_same_as_the_raw_image(tmp_path: Path, fat_image: Path) -> None:
    target = tmp_path / "card"
    subprocess.run(
        ["ewfacquire", "-u", "-q", "-t", str(target), str(fat_image)],
        capture_output=True,
        timeout=120,
        check=True,
    )
    store, settings = _store(tmp_path, fat_image)
    raw = scan.run(store, settings, scan.ScanRequest(fat_image, "CARD-RAW", workers=1))
    ewf = scan.run(store, settings, scan.ScanRequest(Path(f"{target}.E01"), "CARD-E01", workers=1))
    raw_report = scan.scan_report(store, str(raw.scan_id))
    ewf_report = scan.scan_report(store, str(ewf.scan_id))
    assert ewf_report["scan"]["source_kind"] == "ewf"
    assert body(ewf_report) == body(raw_report)
    assert ewf_report["counts"]["categories"]["A"] == 1
