"""One item through a worker: archives under limits, odd member names, content not names."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from pathlib import Path

from safeguard.scan.content import process_item
from safeguard.scan.items import Item, ScanOptions
from tests.support.devices import jpeg_bytes, photo


def _item(path: Path) -> Item:
    return Item(key=path.name, path=path.name, locator=("fs", os.fsencode(path)), size=None)


def _tar(path: Path, members: dict[str, bytes]) -> None:
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT, encoding="latin-1") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))


def test_tar_members_are_hashed_and_undecodable_names_escaped(tmp_path: Path) -> None:
    picture = jpeg_bytes(photo("chelsea", (200, 150)))
    _tar(tmp_path / "a.tar", {"caf\xe9.jpg": picture, "n.txt": b"note"})
    archive, *members = process_item(_item(tmp_path / "a.tar"), ScanOptions(), tmp_path)
    assert archive.media == "archive" and archive.status == "ok"
    by_path = {m.path: m for m in members}
    jpg = by_path["a.tar!/caf\\xe9.jpg"]
    assert jpg.sha256 == hashlib.sha256(picture).hexdigest()
    assert jpg.media == "image" and jpg.pdq is not None and jpg.container == "a.tar"
    assert by_path["a.tar!/n.txt"].md5 == hashlib.md5(b"note").hexdigest()


def test_an_archive_expanding_past_the_byte_limit_stops_with_a_reason(tmp_path: Path) -> None:
    _tar(tmp_path / "big.tar", {f"m{i}.bin": os.urandom(1 << 20) for i in range(4)})
    options = ScanOptions(archive_max_bytes=(2 << 20) + 10)
    archive, *members = process_item(_item(tmp_path / "big.tar"), options, tmp_path)
    assert "expands past" in archive.reason and archive.status == "warning"
    assert [m.path for m in members] == ["big.tar!/m0.bin", "big.tar!/m1.bin"]
    assert archive.sha256 == hashlib.sha256((tmp_path / "big.tar").read_bytes()).hexdigest()


def test_exact_only_does_not_open_archives_or_decode_images(tmp_path: Path) -> None:
    (tmp_path / "p.txt").write_bytes(jpeg_bytes(photo("rocket", (120, 90))))
    _tar(tmp_path / "a.tar", {"x": b"1"})
    exact = ScanOptions(media=False, archives=False)
    (image,) = process_item(_item(tmp_path / "p.txt"), exact, tmp_path)
    assert image.media == "image" and image.pdq is None  # recognised by content, not hashed
    assert len(process_item(_item(tmp_path / "a.tar"), exact, tmp_path)) == 1


def test_a_file_that_vanished_is_an_error_not_a_crash(tmp_path: Path) -> None:
    (result,) = process_item(_item(tmp_path / "gone.bin"), ScanOptions(), tmp_path)
    assert result.status == "error" and "No such file" in result.reason
