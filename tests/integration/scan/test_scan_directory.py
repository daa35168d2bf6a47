"""Scanning a directory: counts by category, matches, unknown media to grade, problems with
reasons, and the exports read back by other tools (hashdeep, a VICS parser, csv)."""

from __future__ import annotations

import csv
import hashlib
import os
import subprocess
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from safeguard import scan
from safeguard.config import Settings
from safeguard.hashsets.formats.vics import VicsFormat
from safeguard.store.db import Store
from safeguard.store.models import Subject
from tests.integration.scan.conftest import import_sets
from tests.support.devices import Device, jpeg_bytes, make_device, photo


def _scan(store: Store, settings: Settings, root: Path, device: str = "EX-1", **kw: object) -> int:
    req = scan.ScanRequest(source=root, device=device, workers=1, **kw)  # type: ignore[arg-type]
    return scan.run(store, settings, req).scan_id


def test_counts_matches_and_media_to_grade(
    store: Store, settings: Settings, device: Device
) -> None:
    import_sets(store, device)
    report = scan.scan_report(store, str(_scan(store, settings, device.root)))
    want = Counter(device.expected.values())
    assert report["counts"]["categories"] == {k: want.get(k, 0) for k in scan.COUNT_KEYS}
    matched = {f["path"]: f["category"] for f in report["matched"]}
    assert matched == {p: c for p, c in device.expected.items() if not c.startswith("unknown")}
    grade = {f["path"]: f["media"] + "s" for f in report["to_grade"]}
    assert grade == {
        p: c.removeprefix("unknown_") for p, c in device.expected.items() if c.startswith("unknown")
    }
    methods = {f["path"]: {m["method"] for m in f["matches"]} for f in report["matched"]}
    assert methods["DCIM/IMG_0002.JPG"] == {"pdq"}
    assert methods["Movies/clip1.mp4"] == {"vpdq"}
    assert methods["Movies/clip2.mov"] == {"md5"}
    assert report["scan"]["status"] == "complete"


def test_every_file_is_hashed_from_its_own_bytes(
    scan_store: tuple[Store, Settings], device: Device
) -> None:
    store, settings = scan_store
    scan_id = _scan(store, settings, device.root)
    docs = {d["path"]: d for d in scan.scan_report(store, str(scan_id))["matched"]}
    files = [p for p in device.root.rglob("*") if p.is_file() and not p.is_symlink()]
    from safeguard.scan.report import iter_files

    stored = {d["path"]: d for d in iter_files(store, scan_id)}
    for path in files:
        rel = path.relative_to(device.root).as_posix()
        if rel not in stored:  # the Latin-1 name is stored escaped
            continue
        data = path.read_bytes()
        doc = stored[rel]
        assert (doc["md5"], doc["sha1"], doc["sha256"], doc["size"]) == (
            hashlib.md5(data).hexdigest(),
            hashlib.sha1(data).hexdigest(),
            hashlib.sha256(data).hexdigest(),
            len(data),
        ), rel
    assert docs["Downloads/holiday.zip!/pics/p1.jpg"]["container"] == "Downloads/holiday.zip"


def test_problems_are_reported_per_file_and_the_scan_goes_on(
    scan_store: tuple[Store, Settings], device: Device
) -> None:
    store, settings = scan_store
    report = scan.scan_report(store, str(_scan(store, settings, device.root)))
    problems = {p["path"]: p["reason"] for p in report["problems"]}
    for path, word in device.problems.items():
        assert word in problems.get(path, ""), (path, problems.get(path))
    assert report["counts"]["files"] >= len(device.expected) + len(device.problems)


def test_a_file_over_the_size_limit_is_listed_not_read(
    scan_store: tuple[Store, Settings], device: Device
) -> None:
    store, settings = scan_store
    limited = Settings(
        data_dir=settings.data_dir, database_url=settings.database_url, scan_max_file_bytes=1 << 20
    )
    report = scan.scan_report(store, str(_scan(store, limited, device.root)))
    problems = {p["path"]: p for p in report["problems"]}
    assert problems["broken/sparse.img"]["status"] == "skipped"
    assert "exceeds SAFEGUARD_SCAN_MAX_FILE_BYTES" in problems["broken/sparse.img"]["reason"]


@pytest.fixture(scope="module")
def clean_device(tmp_path_factory: pytest.TempPathFactory) -> Device:
    dev = make_device(tmp_path_factory.mktemp("clean"), broken=False)
    (dev.root / "Documents" / "a, b and c.txt").write_text("a comma in the name\n")
    return dev


def test_hashdeep_audits_the_manifest(tmp_path: Path, clean_device: Device) -> None:
    store = Store.open_url(f"sqlite:///{tmp_path}/s.db")
    scan_id = _scan(store, Settings(data_dir=tmp_path), clean_device.root)
    manifest = tmp_path / "manifest.hashdeep"
    written = scan.export_scan(store, str(scan_id), "hashdeep", manifest)
    assert written == sum(1 for p in clean_device.root.rglob("*") if p.is_file())
    audit = subprocess.run(
        ["hashdeep", "-a", "-k", str(manifest), "-r", str(clean_device.root)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "Audit passed" in audit.stdout
    # A changed file fails the audit: the manifest really pins the hashes.
    victim = clean_device.root / "Documents" / "plan.txt"
    original = victim.read_bytes()
    victim.write_bytes(b"changed\n")
    try:
        failed = subprocess.run(
            ["hashdeep", "-a", "-k", str(manifest), "-r", str(clean_device.root)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        victim.write_bytes(original)
    assert failed.returncode != 0


def test_vics_and_csv_exports(
    scan_store: tuple[Store, Settings], device: Device, tmp_path: Path
) -> None:
    store, settings = scan_store
    scan_id = str(_scan(store, settings, device.root))
    report = scan.scan_report(store, scan_id)
    scan.export_scan(store, scan_id, "vics", tmp_path / "case.json")
    entries = list(VicsFormat().parse(tmp_path / "case.json"))
    by_md5 = {e.md5: e.source_category for e in entries}
    uk = {"A": "1", "B": "2", "C": "3", "non-pertinent": "0"}
    for f in report["matched"]:
        assert by_md5[f["md5"]] == uk[f["category"]], f["path"]
    for f in report["to_grade"]:
        assert by_md5[f["md5"]] is None, f["path"]
    scan.export_scan(store, scan_id, "csv", tmp_path / "files.csv")
    with (tmp_path / "files.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == report["counts"]["files"]
    cats = {r["path"]: r["category"] for r in rows if r["category"]}
    assert cats == {f["path"]: f["category"] for f in report["matched"]}


def test_the_result_joins_the_subject_and_the_operation_figures(
    scan_store: tuple[Store, Settings], device: Device
) -> None:
    store, settings = scan_store
    op_id = store.operation_id("op", create=True)
    with store.session() as s:
        subject = Subject(operation_id=op_id, label="S-0001")
        s.add(subject)
        s.flush()
        subject_id = subject.id
    assert scan.devices_examined(store, op_id) == 0
    _scan(store, settings, device.root, operation="op", subject="S-0001")
    facts = scan.subject_device_facts(store, subject_id)
    want = Counter(device.expected.values())
    assert (facts.files_a, facts.files_b, facts.files_c) == (want["A"], want["B"], want["C"])
    assert facts.unknown_images == want["unknown_images"]
    assert facts.unknown_videos == want["unknown_videos"]
    assert facts.needs_reassessment and len(facts.reasons) == 2
    assert scan.devices_examined(store, op_id) == 1
    _scan(store, settings, device.root, device="EX-2", operation="op")
    _scan(store, settings, device.root, device="EX-2", operation="op")  # same device again
    assert scan.devices_examined(store, op_id) == 2
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert not scan.subject_device_facts(store, subject_id, assessed_at=later).needs_reassessment


def test_a_scan_leaves_access_times_alone(tmp_path: Path) -> None:
    root = tmp_path / "dev"
    root.mkdir()
    photo_path = root / "p.jpg"
    photo_path.write_bytes(jpeg_bytes(photo("chelsea")))
    os.utime(photo_path, (1_000_000_000, 1_500_000_000))  # atime older than mtime
    store = Store.open_url(f"sqlite:///{tmp_path}/s.db")
    report = scan.scan_report(store, str(_scan(store, Settings(data_dir=tmp_path), root)))
    assert report["to_grade"][0]["pdq"]  # it was read and decoded
    assert photo_path.stat().st_atime == 1_000_000_000
