"""Registry of hash-set formats: one explicit list, checked at import, in detection order."""

from __future__ import annotations

from pathlib import Path

from safeguard.errors import HashSetError
from safeguard.hashsets.formats.base import HashSetFormat, read_head
from safeguard.hashsets.formats.lines import HashdeepFormat, HashsumFormat, PlainListFormat
from safeguard.hashsets.formats.nsrl3 import NsrlRds3Format
from safeguard.hashsets.formats.tables import (
    NsrlRds2Format,
    SafeguardCsvFormat,
    ThreatExchangeCsvFormat,
)
from safeguard.hashsets.formats.vics import VicsFormat
from safeguard.registry import by_name

__all__ = ["FORMATS", "HashSetFormat", "detect_format", "get_format", "resolve_format"]

#: Every built-in format. Detection tries them in this order, most specific first.
FORMATS: tuple[HashSetFormat, ...] = (
    NsrlRds3Format(),
    VicsFormat(),
    HashdeepFormat(),
    ThreatExchangeCsvFormat(),
    NsrlRds2Format(),
    SafeguardCsvFormat(),
    HashsumFormat(),
    PlainListFormat(),
)


_BY_NAME = by_name("hash-set format", FORMATS)


def get_format(name: str) -> HashSetFormat:
    try:
        return _BY_NAME[name]
    except KeyError:
        known = ", ".join(_BY_NAME)
        raise HashSetError(f"unknown hash-set format {name!r}; known: auto, {known}") from None


def detect_format(path: Path) -> HashSetFormat:
    """The first format whose sniffer accepts ``path``."""
    head = read_head(path)
    for fmt in FORMATS:
        if fmt.sniff(path, head):
            return fmt
    raise HashSetError(f"{path}: cannot tell the hash-set format; give --format explicitly")


def resolve_format(path: Path, name: str = "auto") -> HashSetFormat:
    if not path.is_file():
        raise HashSetError(f"{path}: no such file")
    return detect_format(path) if name == "auto" else get_format(name)
