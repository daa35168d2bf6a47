"""Category schemes map raw values to stored categories, and refuse what they don't know."""

from __future__ import annotations

from pathlib import Path

import pytest

from safeguard.errors import HashSetError
from safeguard.hashsets.categories import load_scheme
from safeguard.records import Category


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", "A"),
        ("A", "A"),
        ("b", "B"),
        ("3", "C"),
        ("Cat C", "C"),
        ("0", "non-pertinent"),
        (None, "uncategorised"),
        ("", "uncategorised"),
        ("2.0", "B"),
        ("Non-Pertinent", "non-pertinent"),
    ],
)
def test_uk_scheme(raw: str | None, expected: str) -> None:
    assert load_scheme("uk").to_category(raw, "here") == Category(expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0", "non-pertinent"),
        ("1", "uncategorised"),
        ("2", "uncategorised"),
        ("3", "uncategorised"),
        ("4", "non-pertinent"),
    ],
)
def test_vics_us_scheme_never_invents_uk_severity(raw: str, expected: str) -> None:
    assert load_scheme("vics-us").to_category(raw, "here") == Category(expected)


def test_unknown_value_names_scheme_and_place() -> None:
    with pytest.raises(HashSetError, match=r"rec 3: category '9' is not in the 'uk' scheme"):
        load_scheme("uk").to_category("9", "rec 3")


def test_mapping_files_json_and_csv(tmp_path: Path) -> None:
    js = tmp_path / "m.json"
    js.write_text('{"severe": "A", "other": "non-pertinent"}')
    scheme = load_scheme(str(js))
    assert scheme.name == "mapping:m.json"
    assert scheme.to_category("SEVERE", "x") == Category.A
    cs = tmp_path / "m.csv"
    cs.write_text("source_category,category\nx1,B\nx2,uncategorised\n")
    assert load_scheme(str(cs)).to_category("x2", "x") == Category.UNCATEGORISED


def test_mapping_to_a_non_category_is_refused(tmp_path: Path) -> None:
    js = tmp_path / "m.json"
    js.write_text('{"severe": "D"}')
    with pytest.raises(HashSetError, match="not a category"):
        load_scheme(str(js))


def test_unknown_scheme_name() -> None:
    with pytest.raises(HashSetError, match="unknown category scheme 'eu'"):
        load_scheme("eu")


def test_uk_export_values_round_trip() -> None:
    uk = load_scheme("uk")
    for cat in Category:
        value = uk.export_value(cat)
        assert uk.to_category(value, "x") == cat
