"""The indicator-phrase lexicon and the scanner that finds its phrases in messages.

The shipped lexicon (``safeguard/data/lexicon.json``) holds invented, benign code phrases for
the synthetic operation. A unit replaces it with its own through ``SAFEGUARD_LEXICON``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from safeguard.errors import ConfigError

__all__ = ["Lexicon", "load_lexicon"]


@dataclass(frozen=True)
class Lexicon:
    version: str
    categories: dict[str, tuple[str, ...]]

    def __post_init__(self) -> None:
        phrases = [p for ps in self.categories.values() for p in ps]
        if len(set(map(str.casefold, phrases))) != len(phrases):
            raise ConfigError("lexicon: a phrase appears twice")

    @property
    def _pattern(self) -> re.Pattern[str]:
        phrases = sorted((p for ps in self.categories.values() for p in ps), key=len, reverse=True)
        alternation = "|".join(re.escape(p) for p in phrases) or r"(?!)"
        return re.compile(rf"\b(?:{alternation})\b", re.IGNORECASE)

    def category_of(self, phrase: str) -> str:
        folded = phrase.casefold()
        for category, phrases in self.categories.items():
            if folded in (p.casefold() for p in phrases):
                return category
        raise KeyError(phrase)

    def scanner(self) -> Scanner:
        return Scanner(self, self._pattern)


@dataclass(frozen=True)
class Scanner:
    lexicon: Lexicon
    pattern: re.Pattern[str]

    def scan(self, text: str | None) -> list[tuple[str, str]]:
        """(category, phrase as in the lexicon) for each distinct phrase in ``text``."""
        if not text:
            return []
        found = {m.group(0).casefold() for m in self.pattern.finditer(text)}
        return sorted((self.lexicon.category_of(p), p) for p in found)


def load_lexicon(path: Path | None = None) -> Lexicon:
    if path is None:
        raw = resources.files("safeguard.data").joinpath("lexicon.json").read_text("utf-8")
    else:
        try:
            raw = path.read_text("utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read lexicon {path}: {exc}") from exc
    try:
        doc = json.loads(raw)
        cats = {str(k): tuple(str(p) for p in v) for k, v in doc["categories"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(
            f"lexicon {path or 'built-in'}: expected {{'categories': {{...}}}}"
        ) from exc
    return Lexicon(str(doc.get("version", "1")), cats)
