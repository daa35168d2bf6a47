"""Contract every registered HashSetFormat must keep (run against each one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from safeguard.errors import HashSetError
from safeguard.hashsets.entries import HEX_LENGTHS
from safeguard.hashsets.formats import FORMATS, HashSetFormat, detect_format, get_format
from tests.unit.hashsets.samples import WRITERS, SynthEntry, full_entries, write_sample


@pytest.fixture(params=FORMATS, ids=lambda f: f.name)
def fmt(request: pytest.FixtureRequest) -> HashSetFormat:
    assert isinstance(request.param, HashSetFormat)
    return request.param


class TestHashSetFormatContract:
    def test_has_a_sample_and_a_description(self, fmt: HashSetFormat) -> None:
        assert fmt.name in WRITERS, "add a synthetic sample writer for every new format"
        assert fmt.description
        assert get_format(fmt.name) is fmt

    def test_auto_detection_picks_this_format(self, fmt: HashSetFormat, tmp_path: Path) -> None:
        path = write_sample(fmt.name, tmp_path, full_entries(5))
        assert detect_format(path).name == fmt.name

    def test_every_written_hash_comes_back_lower_case(
        self, fmt: HashSetFormat, tmp_path: Path
    ) -> None:
        entries = full_entries(7)
        path = write_sample(fmt.name, tmp_path, entries)
        parsed = [e for e in fmt.parse(path) if e.has_hash]
        assert len(parsed) == len(entries)
        for kind in WRITERS[fmt.name][2]:
            got = [getattr(e, kind) for e in parsed]
            assert got == [getattr(e, kind) for e in entries]
            assert all(len(h) == HEX_LENGTHS[kind] and h == h.lower() for h in got)

    def test_locations_name_the_file(self, fmt: HashSetFormat, tmp_path: Path) -> None:
        path = write_sample(fmt.name, tmp_path, full_entries(3))
        locations = [e.location for e in fmt.parse(path)]
        assert all(loc.startswith(path.name) for loc in locations)
        assert len(set(locations)) == len(locations)

    def test_raw_categories_are_kept(self, fmt: HashSetFormat, tmp_path: Path) -> None:
        entries = full_entries(6)
        path = write_sample(fmt.name, tmp_path, entries)
        cats = [e.source_category for e in fmt.parse(path) if e.has_hash]
        if WRITERS[fmt.name][3]:
            assert all(cats), "a format with categories yields them raw"
        else:
            assert cats == [None] * len(entries)

    def test_bad_hash_is_a_clear_error(self, fmt: HashSetFormat, tmp_path: Path) -> None:
        entries = full_entries(3)
        bad = SynthEntry(md5="z" * 32, sha1="z" * 40, sha256="z" * 64, pdq="z" * 64, category="1")
        path = write_sample(fmt.name, tmp_path, [*entries[:1], bad, *entries[1:]])
        with pytest.raises(HashSetError, match=path.name):
            list(fmt.parse(path))

    def test_empty_or_foreign_file_is_refused(self, fmt: HashSetFormat, tmp_path: Path) -> None:
        path = tmp_path / "notes.bin"
        path.write_bytes(b"\x00\x01 hello there, this is not a hash set\n")
        assert not fmt.sniff(path, path.read_bytes())


def test_format_names_are_unique_and_stable() -> None:
    assert [f.name for f in FORMATS] == [
        "nsrl-rds3",
        "vics",
        "hashdeep",
        "threatexchange-csv",
        "nsrl-rds2",
        "safeguard-csv",
        "hashsum",
        "plain",
    ]


def test_unknown_format_name_lists_the_known_ones() -> None:
    with pytest.raises(HashSetError, match="known: auto, nsrl-rds3"):
        get_format("nope")


def test_undetectable_file_asks_for_format(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("hello\n")
    with pytest.raises(HashSetError, match="give --format"):
        detect_format(path)
