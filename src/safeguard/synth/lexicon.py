"""The indicator-phrase lexicon: invented, innocuous code phrases grouped by category.

Structure (``safeguard/data/lexicon.json``, documented in ``docs/synth.md``)::

    {"version": 1, "categories": {"contact_abuse": ["blue lighthouse", ...], ...}}
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from safeguard.errors import FormatError

__all__ = ["DEFAULT_LEXICON", "HOT_CATEGORIES", "Lexicon", "load_lexicon"]

DEFAULT_LEXICON = "safeguard/data/lexicon.json"
#: Categories that persons with the latent contact-offending flag use much more often.
HOT_CATEGORIES = ("contact_abuse", "access_to_children")


@dataclass(frozen=True)
class Lexicon:
    version: int
    categories: dict[str, tuple[str, ...]]
    source: str

    def phrases(self, hot: bool) -> tuple[str, ...]:
        """Phrases of the hot categories (``hot=True``) or of every other category."""
        names = sorted(self.categories)
        chosen = [n for n in names if (n in HOT_CATEGORIES) == hot]
        return tuple(p for n in chosen for p in self.categories[n])


def _parse(data: Any, source: str) -> Lexicon:
    if not isinstance(data, dict) or not isinstance(data.get("categories"), dict):
        raise FormatError(f"{source}: a lexicon is an object with a 'categories' object")
    categories: dict[str, tuple[str, ...]] = {}
    for name, phrases in data["categories"].items():
        ok = isinstance(phrases, list) and all(isinstance(p, str) and p.strip() for p in phrases)
        if not ok or not phrases:
            raise FormatError(f"{source}: category {name!r} must be a non-empty list of phrases")
        categories[str(name)] = tuple(p.strip() for p in phrases)
    missing = [c for c in HOT_CATEGORIES if c not in categories]
    if missing:
        raise FormatError(f"{source}: missing lexicon categories: {', '.join(missing)}")
    version = data.get("version", 1)
    if not isinstance(version, int):
        raise FormatError(f"{source}: 'version' must be an integer")
    return Lexicon(version, categories, source)


def load_lexicon(path: Path | None = None) -> Lexicon:
    """Read the lexicon at ``path``, or the one shipped with Safeguard."""
    if path is None:
        ref = resources.files("safeguard.data").joinpath("lexicon.json")
        text, source = ref.read_text(encoding="utf-8"), DEFAULT_LEXICON
    else:
        try:
            text, source = path.read_text(encoding="utf-8-sig"), str(path)
        except OSError as exc:
            raise FormatError(f"{path}: cannot read lexicon: {exc.strerror}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(f"{source}: not valid JSON: {exc}") from exc
    return _parse(data, source)
