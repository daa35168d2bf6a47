"""What a hash-set format yields: one parsed record, with its hashes normalised.

Formats only parse; mapping the raw category onto our categories is the job of a
:class:`~safeguard.hashsets.categories.CategoryScheme`, applied by the importer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from safeguard.errors import HashSetError

__all__ = [
    "HEX_LENGTHS",
    "ParsedEntry",
    "hash_kind_of",
    "norm_hex",
    "parse_bool",
]

#: Hex length of each hash kind we store.
HEX_LENGTHS: dict[str, int] = {"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128, "pdq": 64}

_HEX = re.compile(r"[0-9a-f]+")
_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """One record of a hash set as the source wrote it (hashes lower-case hex)."""

    location: str
    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    sha512: str | None = None
    pdq: str | None = None
    vpdq: str | None = None  # ThreatExchange vPDQ signal string (JSON list of frames)
    source_category: str | None = None
    victim_identified: bool | None = None
    series: str | None = None
    distributed: bool | None = None
    note: str | None = None

    @classmethod
    def from_hashes(
        cls,
        location: str,
        hashes: Mapping[str, str | None],
        *,
        source_category: str | None = None,
        note: str | None = None,
    ) -> ParsedEntry:
        """An entry from a ``{kind: hex}`` mapping (kinds as in :data:`HEX_LENGTHS`)."""
        return cls(
            location=location,
            md5=hashes.get("md5"),
            sha1=hashes.get("sha1"),
            sha256=hashes.get("sha256"),
            sha512=hashes.get("sha512"),
            pdq=hashes.get("pdq"),
            vpdq=hashes.get("vpdq"),
            source_category=source_category,
            note=note,
        )

    @property
    def has_hash(self) -> bool:
        return any((self.md5, self.sha1, self.sha256, self.sha512, self.pdq, self.vpdq))


def norm_hex(value: object, kind: str, where: str) -> str | None:
    """Lower-case, validated hex of a ``kind`` hash; empty or null means absent."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if not text:
        return None
    if len(text) != HEX_LENGTHS[kind] or not _HEX.fullmatch(text):
        raise HashSetError(f"{where}: {kind} must be {HEX_LENGTHS[kind]} hex digits, got {text!r}")
    return text


def hash_kind_of(text: str, where: str) -> str:
    """The kind of a bare hex digest by its length (64 digits = sha256, 128 = sha512)."""
    kinds = {32: "md5", 40: "sha1", 64: "sha256", 128: "sha512"}
    kind = kinds.get(len(text))
    if kind is None or not _HEX.fullmatch(text.lower()):
        raise HashSetError(f"{where}: not an md5, sha1, sha256 or sha512 hex digest: {text[:80]!r}")
    return kind


def parse_bool(value: object, field: str, where: str) -> bool | None:
    """A JSON boolean or the strings true/false (yes/no, 1/0); empty means unknown."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise HashSetError(f"{where}: {field} must be true or false, got {value!r}")
