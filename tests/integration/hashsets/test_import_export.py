"""Versioned import, history, statistics and export of hash sets, on both store backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from safeguard.errors import HashSetError, NotFoundError
from safeguard.hashsets import (
    export_hash_set,
    hash_set_info,
    import_hash_set,
    list_hash_sets,
)
from safeguard.records import Category
from safeguard.store.db import Store
from safeguard.store.models import HashEntry, HashSet, HashSetVersion, StageRun
from tests.unit.hashsets.samples import WRITERS, full_entries, write_sample


def _active_md5(store: Store, name: str) -> dict[str, str]:
    with store.session() as s:
        rows = s.execute(
            select(HashEntry.md5, HashEntry.category)
            .join(HashSet, HashSet.id == HashEntry.hash_set_id)
            .where(HashSet.name == name, HashEntry.retired_version.is_(None))
        )
        return {str(m): str(c) for m, c in rows}


def test_vics_import_maps_uk_categories_and_records_the_run(store: Store, tmp_path: Path) -> None:
    entries = full_entries(9)
    path = write_sample("vics", tmp_path, entries)
    result = import_hash_set(store, path, name="partner", scheme="uk", user="analyst")
    assert (result.version, result.unchanged, result.format) == (1, False, "vics")
    assert result.counts["added"] == 9
    expected = {e.md5: {"1": "A", "2": "B", "3": "C"}[e.category or ""] for e in entries}
    assert _active_md5(store, "partner") == expected
    with store.session() as s:
        run = s.scalars(select(StageRun).where(StageRun.stage == "hashsets-import")).one()
        assert run.status == "ok" and run.counts["added"] == 9


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_every_format_imports(store: Store, tmp_path: Path, fmt: str) -> None:
    path = write_sample(fmt, tmp_path, full_entries(4))
    result = import_hash_set(store, path, name=fmt)
    assert result.format == fmt
    assert hash_set_info(store, fmt).active_entries == 4


def test_same_file_again_is_a_no_op(store: Store, tmp_path: Path) -> None:
    path = write_sample("safeguard-csv", tmp_path, full_entries(5))
    import_hash_set(store, path, name="s")
    again = import_hash_set(store, path, name="s")
    assert again.unchanged and again.version == 1
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(HashEntry)) == 5
        assert s.scalar(select(func.count()).select_from(HashSetVersion)) == 1


def test_new_version_adds_retires_and_keeps_history(store: Store, tmp_path: Path) -> None:
    old, new = full_entries(6, seed=1), full_entries(3, seed=2)
    v1 = tmp_path / "v1"
    v1.mkdir()
    import_hash_set(store, write_sample("safeguard-csv", v1, old), name="s")
    v2 = tmp_path / "v2"
    v2.mkdir()
    second = import_hash_set(store, write_sample("safeguard-csv", v2, old[:4] + new), name="s")
    assert second.version == 2
    assert (second.counts["kept"], second.counts["added"], second.counts["retired"]) == (4, 3, 2)
    assert set(_active_md5(store, "s")) == {e.md5 for e in old[:4] + new}
    info = hash_set_info(store, "s")
    assert [v.version for v in info.versions] == [1, 2]
    assert info.active_entries == 7
    out = tmp_path / "at-v1.csv"
    assert export_hash_set(store, "s", out, version=1) == 6
    assert _md5s(out) == {e.md5 for e in old}


def _md5s(path: Path) -> set[str]:
    return {line.split(",")[0] for line in path.read_text().splitlines()[1:]}


def test_bad_record_leaves_store_unchanged(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    good = full_entries(2)
    path.write_text(f"md5,category\n{good[0].md5},A\nnot-hex,A\n")
    with pytest.raises(HashSetError, match=r"bad\.csv: line 3: md5 must be 32 hex digits"):
        import_hash_set(store, path, name="bad")
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(HashSet)) == 0
        assert s.scalar(select(func.count()).select_from(HashEntry)) == 0
        run = s.scalars(select(StageRun)).one()
        assert run.status == "failed" and "line 3" in run.error


def test_unknown_category_refused_with_place(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(f"md5,category\n{full_entries(1)[0].md5},Z\n")
    with pytest.raises(HashSetError, match="line 2: category 'Z'"):
        import_hash_set(store, path)


def test_scheme_is_fixed_per_set(store: Store, tmp_path: Path) -> None:
    import_hash_set(store, write_sample("vics", tmp_path, full_entries(2)), name="v", scheme="uk")
    other = tmp_path / "o"
    other.mkdir()
    with pytest.raises(HashSetError, match="uses category scheme 'uk'"):
        import_hash_set(store, write_sample("vics", other, full_entries(3)), name="v",
                        scheme="vics-us")  # fmt: skip


def test_duplicates_counted_once_and_default_category(store: Store, tmp_path: Path) -> None:
    e = full_entries(2)
    path = tmp_path / "l.txt"
    path.write_text(f"{e[0].md5}\n{e[0].md5.upper()}\n{e[1].md5}\n")  # type: ignore[union-attr]
    result = import_hash_set(store, path, name="l", default_category=Category.A)
    assert (result.counts["added"], result.counts["duplicates"]) == (2, 1)
    assert set(_active_md5(store, "l").values()) == {"A"}


def test_nsrl_is_non_pertinent_whatever_the_scheme(store: Store, tmp_path: Path) -> None:
    path = write_sample("nsrl-rds2", tmp_path, full_entries(3))
    import_hash_set(store, path, name="nsrl", default_category=Category.A)
    assert set(_active_md5(store, "nsrl").values()) == {"non-pertinent"}


@pytest.mark.parametrize("fmt", ["safeguard-csv", "vics"])
def test_export_then_import_round_trips(store: Store, tmp_path: Path, fmt: str) -> None:
    entries = full_entries(6)
    import_hash_set(store, write_sample("safeguard-csv", tmp_path, entries), name="orig")
    out = tmp_path / f"out.{fmt}"
    assert export_hash_set(store, "orig", out, fmt=fmt) == 6
    import_hash_set(store, out, name="copy", fmt=fmt)
    assert _active_md5(store, "copy") == _active_md5(store, "orig")


def test_list_and_missing_set(store: Store, tmp_path: Path) -> None:
    import_hash_set(store, write_sample("plain", tmp_path, full_entries(3)), name="p")
    (info,) = list_hash_sets(store)
    assert (info.name, info.version, info.active_entries) == ("p", 1, 3)
    assert info.by_category == {"uncategorised": 3}
    with pytest.raises(NotFoundError, match="no hash set named 'q'"):
        hash_set_info(store, "q")
    with pytest.raises(NotFoundError, match="no version 5"):
        export_hash_set(store, "p", tmp_path / "x.csv", version=5)
    assert not (tmp_path / "x.csv").exists()
