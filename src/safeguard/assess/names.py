"""Comparing a police record's name and date of birth with what a subject's accounts show.

Police systems key people by the name and date of birth on their own record, which differ
from a platform profile in known ways: a formal name for a nickname (Len / Leonard), a
middle name present, missing or used as the forename, a double-barrelled surname, accents
and apostrophes, a one-letter typo, day and month swapped. Comparisons use jellyfish
(Jaro-Winkler similarity) and the ``nicknames`` table of English forenames.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import jellyfish
from nicknames import NickNamer

__all__ = [
    "PersonName",
    "dob_agreement",
    "forename_agreement",
    "parse_name",
    "surname_agreement",
    "swapped",
]

_NON_LETTERS = re.compile(r"[^a-z\- ]+")
#: Jaro-Winkler similarity from which two name tokens count as the same (one-letter typos).
SIMILAR = 0.9


@dataclass(frozen=True)
class PersonName:
    forenames: tuple[str, ...]  # first, then middle names
    surnames: tuple[str, ...]  # the surname and, if double-barrelled, each part

    @property
    def first(self) -> str:
        return self.forenames[0] if self.forenames else ""


def fold(text: str) -> str:
    """Lower case, accents removed, apostrophes and other punctuation dropped."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_LETTERS.sub("", plain.replace("'", "").replace("’", ""))


def parse_name(text: str) -> PersonName | None:
    tokens = fold(text).split()
    if len(tokens) < 2:
        return None
    surname = tokens[-1]
    parts = tuple(p for p in surname.split("-") if p)
    whole = surname.replace("-", "")
    return PersonName(tuple(tokens[:-1]), (whole, *parts) if len(parts) > 1 else (whole,))


@lru_cache(maxsize=4096)
def _equivalents(name: str) -> frozenset[str]:
    namer = _namer()
    return frozenset({name} | namer.nicknames_of(name) | namer.canonicals_of(name))


@lru_cache(maxsize=1)
def _namer() -> NickNamer:
    return NickNamer()


def _similar(a: str, b: str) -> float:
    if a == b:
        return 1.0
    score = jellyfish.jaro_winkler_similarity(a, b)
    return score if score >= SIMILAR else 0.0


def forename_agreement(police: PersonName, platform: PersonName) -> float:
    """1 the same forename; 0.95 a nickname of it; Jaro-Winkler for a typo; 0 otherwise.

    The platform's forename is compared with every police forename: a person may be known
    by a middle name, and a record may carry middle names a profile leaves out.
    """
    q, best = platform.first, 0.0
    for p in police.forenames:
        if p == q:
            return 1.0
        if q in _equivalents(p) or p in _equivalents(q):
            best = max(best, 0.95)
        best = max(best, _similar(p, q))
    return best


def surname_agreement(police: PersonName, platform: PersonName) -> float:
    """1 when a surname or a part of a double-barrelled one agrees; Jaro-Winkler for typos."""
    return max((_similar(a, b) for a in police.surnames for b in platform.surnames), default=0.0)


def dob_agreement(police: str, platform: str) -> float:
    """1 the same date; 0.8 day and month swapped; 0 otherwise (ISO ``YYYY-MM-DD``)."""
    if police == platform:
        return 1.0
    y, m, d = police.split("-")
    return 0.8 if d != m and f"{y}-{d}-{m}" == platform else 0.0


def swapped(dob: str) -> str | None:
    """The date with day and month exchanged, when that is a different valid date."""
    y, m, d = dob.split("-")
    return f"{y}-{d}-{m}" if d != m and int(d) <= 12 else None
