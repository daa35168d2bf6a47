"""The :class:`HashSetFormat` interface and the helpers its plugins share."""

from __future__ import annotations

import csv
import io
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from safeguard.errors import HashSetError
from safeguard.hashsets.entries import ParsedEntry
from safeguard.records import Category

__all__ = [
    "HEAD_BYTES",
    "HashSetFormat",
    "csv_header",
    "csv_rows",
    "head_text",
    "read_head",
    "text_lines",
]

#: How much of a file format detection looks at.
HEAD_BYTES = 8192


class HashSetFormat(ABC):
    """One file format of hash sets. ``name`` is a stable storage key; never rename it."""

    name: ClassVar[str]
    description: ClassVar[str]
    #: A category every entry of this format has whatever the scheme (e.g. NSRL: known-good).
    fixed_category: ClassVar[Category | None] = None

    @abstractmethod
    def sniff(self, path: Path, head: bytes) -> bool:
        """Whether ``path`` (whose first bytes are ``head``) looks like this format."""

    @abstractmethod
    def parse(self, path: Path) -> Iterator[ParsedEntry]:
        """Stream the records of ``path``; raise :class:`HashSetError` on bad input."""


def read_head(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(HEAD_BYTES)


def head_text(head: bytes) -> str:
    """The decodable start of ``head`` without BOM (a cut multi-byte char is dropped)."""
    return head.decode("utf-8-sig", errors="ignore")


def text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Numbered lines of a UTF-8 text file (BOM tolerated), without line endings."""
    with path.open("r", encoding="utf-8-sig", newline="") as reader:
        try:
            for number, line in enumerate(reader, 1):
                yield number, line.rstrip("\r\n")
        except UnicodeDecodeError as exc:
            raise HashSetError(f"{path}: not UTF-8 text: {exc}") from exc


def csv_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV file with a header, keys lower-cased; numbered by physical line."""
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader, None)
            if header is None:
                return
            keys = [h.strip().lower() for h in header]
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                yield reader.line_num, dict(zip(keys, row, strict=False))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise HashSetError(f"{path}: line {reader.line_num}: {exc}") from exc


def csv_header(head: bytes) -> list[str]:
    """The lower-cased header cells of the first line of ``head``."""
    first = head_text(head).splitlines()[:1]
    if not first:
        return []
    return [c.strip().lower() for c in next(csv.reader(io.StringIO(first[0])), [])]
