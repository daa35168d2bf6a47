"""Category schemes: how a source's category values map onto our stored categories.

Exporters disagree on what ``Category: 1`` means, so the scheme is chosen at import:

* ``uk`` — ``1``/``A`` = A, ``2``/``B`` = B, ``3``/``C`` = C, ``0`` = non-pertinent.
* ``vics-us`` — ``0`` non-pertinent, ``1`` child abuse material, ``2`` child exploitive /
  age difficult, ``3`` CGI/animation, ``4`` comparison. US categories carry no UK severity,
  so 1, 2 and 3 are stored as *uncategorised* (known, awaiting UK grading) and 0 and 4 as
  non-pertinent. The raw value is always kept in ``source_category``.
* a mapping file — JSON object ``{"raw": "A", ...}`` or two-column CSV
  ``source_category,category``.

Every scheme also accepts our own category names (``A``, ``non-pertinent``,
``uncategorised``...), and an absent value is *uncategorised*.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from safeguard.errors import HashSetError
from safeguard.records import Category

__all__ = ["BUILTIN_SCHEMES", "CategoryScheme", "load_scheme"]

_OWN_NAMES: dict[str, Category] = {c.value.lower(): c for c in Category}

_UK: dict[str, Category] = {
    "0": Category.NON_PERTINENT,
    "1": Category.A,
    "2": Category.B,
    "3": Category.C,
    "cat a": Category.A,
    "cat b": Category.B,
    "cat c": Category.C,
    "category a": Category.A,
    "category b": Category.B,
    "category c": Category.C,
}

_VICS_US: dict[str, Category] = {
    "0": Category.NON_PERTINENT,
    "1": Category.UNCATEGORISED,
    "2": Category.UNCATEGORISED,
    "3": Category.UNCATEGORISED,
    "4": Category.NON_PERTINENT,
}


@dataclass(frozen=True)
class CategoryScheme:
    """Maps raw category values (case-insensitive) to :class:`Category`; ``name`` is stored."""

    name: str
    table: Mapping[str, Category]
    #: The raw value written back for each category by a VICS export in this scheme.
    export_values: Mapping[Category, str | None] = field(default_factory=dict)

    def to_category(self, raw: str | None, where: str) -> Category:
        if raw is None or not str(raw).strip():
            return Category.UNCATEGORISED
        key = _canon(raw)
        found = self.table.get(key) or _OWN_NAMES.get(key)
        if found is None:
            raise HashSetError(
                f"{where}: category {raw!r} is not in the {self.name!r} scheme "
                "(choose another --scheme or give a mapping file)"
            )
        return found

    def export_value(self, category: Category) -> str | None:
        return self.export_values.get(category, category.value)


def _canon(raw: object) -> str:
    text = str(raw).strip().lower()
    if text.endswith(".0") and text[:-2].isdigit():  # 1.0 from a float-minded exporter
        text = text[:-2]
    return text


UK = CategoryScheme(
    "uk",
    _UK,
    {
        Category.A: "1",
        Category.B: "2",
        Category.C: "3",
        Category.NON_PERTINENT: "0",
        Category.UNCATEGORISED: None,
    },
)
VICS_US = CategoryScheme(
    "vics-us",
    _VICS_US,
    {
        Category.A: "1",
        Category.B: "1",
        Category.C: "1",
        Category.UNCATEGORISED: "1",
        Category.NON_PERTINENT: "0",
    },
)

#: Schemes known by name; anything else given as a scheme is a mapping-file path.
BUILTIN_SCHEMES: dict[str, CategoryScheme] = {s.name: s for s in (UK, VICS_US)}


def load_scheme(spec: str) -> CategoryScheme:
    """A built-in scheme by name, or a mapping file (stored as ``mapping:<file name>``)."""
    if spec in BUILTIN_SCHEMES:
        return BUILTIN_SCHEMES[spec]
    path = Path(spec)
    if not path.is_file():
        names = ", ".join(BUILTIN_SCHEMES)
        raise HashSetError(f"unknown category scheme {spec!r}: use {names} or a mapping file")
    pairs = _read_mapping(path)
    table: dict[str, Category] = {}
    for raw, target in pairs.items():
        cat = _OWN_NAMES.get(_canon(target))
        if cat is None:
            raise HashSetError(f"{path}: {raw!r} maps to {target!r}, which is not a category")
        table[_canon(raw)] = cat
    return CategoryScheme(f"mapping:{path.name}", table)


def _read_mapping(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise HashSetError(f"{path}: not valid JSON: {exc}") from exc
        if not isinstance(doc, dict):
            raise HashSetError(f"{path}: a mapping file is a JSON object of raw -> category")
        return {str(k): str(v) for k, v in doc.items()}
    rows = list(csv.reader(text.splitlines()))
    if rows and [c.strip().lower() for c in rows[0]] == ["source_category", "category"]:
        rows = rows[1:]
    bad = [i for i, r in enumerate(rows, 1) if len(r) != 2]
    if bad:
        raise HashSetError(f"{path}: line {bad[0]} must have two columns: raw,category")
    return {r[0]: r[1] for r in rows}
