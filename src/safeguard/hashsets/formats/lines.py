"""Line-oriented hash lists: hashdeep, md5sum/sha1sum/sha256sum output and plain lists."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from safeguard.errors import HashSetError
from safeguard.hashsets.entries import ParsedEntry, hash_kind_of, norm_hex
from safeguard.hashsets.formats.base import HEAD_BYTES, HashSetFormat, head_text, text_lines

__all__ = ["HashdeepFormat", "HashsumFormat", "PlainListFormat"]

_HASHDEEP_ALGOS = {"md5": "md5", "sha1": "sha1", "sha256": "sha256"}
#: GNU ``<hex>  name`` / ``<hex> *name`` and BSD ``MD5 (name) = <hex>``.
_DIGEST = "[0-9A-Fa-f]{32}|[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64}|[0-9A-Fa-f]{128}"
_GNU = re.compile(rf"^\\?({_DIGEST}) [ *](.*)$")
_BSD = re.compile(r"^(MD5|SHA1|SHA256|SHA512) \((.*)\) = ([0-9A-Fa-f]+)$")
_BARE = re.compile(r"^[0-9A-Fa-f]{32}$|^[0-9A-Fa-f]{40}$|^[0-9A-Fa-f]{64}$|^[0-9A-Fa-f]{128}$")


def _content_lines(path: Path) -> Iterator[tuple[int, str]]:
    for number, line in text_lines(path):
        text = line.strip()
        if text and not text.startswith("#"):
            yield number, text


def _first_content(head: bytes) -> list[str]:
    lines = [ln.strip() for ln in head_text(head).splitlines()]
    if len(head) >= HEAD_BYTES:  # the last line may be cut short
        lines = lines[:-1]
    return [ln for ln in lines if ln and not ln.startswith("#")][:20]


class HashdeepFormat(HashSetFormat):
    """hashdeep audit files: ``%%%% HASHDEEP-1.0``, ``%%%% size,md5,sha256,filename`` rows."""

    name = "hashdeep"
    description = "hashdeep audit file (%%%% HASHDEEP-1.0 header)"

    def sniff(self, path: Path, head: bytes) -> bool:
        return head_text(head).lstrip().startswith("%%%% HASHDEEP-")

    def parse(self, path: Path) -> Iterator[ParsedEntry]:
        columns: list[str] = []
        for number, text in _content_lines(path):
            where = f"{path.name}: line {number}"
            if text.startswith("%%%%"):
                body = text[4:].strip()
                if not body.upper().startswith("HASHDEEP"):
                    columns = [c.strip().lower() for c in body.split(",")]
                continue
            if not columns:
                raise HashSetError(f"{where}: hashdeep row before the %%%% column header")
            yield _hashdeep_row(text, columns, where)


def _hashdeep_row(text: str, columns: list[str], where: str) -> ParsedEntry:
    cells = text.split(",", len(columns) - 1)
    if len(cells) != len(columns):
        raise HashSetError(f"{where}: expected {len(columns)} fields ({','.join(columns)})")
    row = dict(zip(columns, cells, strict=True))
    hashes = {kind: norm_hex(row.get(col), kind, where) for col, kind in _HASHDEEP_ALGOS.items()}
    return ParsedEntry.from_hashes(where, hashes, note=row.get("filename") or None)


class HashsumFormat(HashSetFormat):
    """Output of md5sum, sha1sum, sha256sum or sha512sum (GNU or BSD ``--tag`` style);
    64 hex = SHA-256, 128 = SHA-512."""

    name = "hashsum"
    description = "md5sum / sha1sum / sha256sum / sha512sum output (<hex>  <name>)"

    def sniff(self, path: Path, head: bytes) -> bool:
        lines = _first_content(head)
        return bool(lines) and all(_GNU.match(ln) or _BSD.match(ln) for ln in lines)

    def parse(self, path: Path) -> Iterator[ParsedEntry]:
        for number, text in _content_lines(path):
            where = f"{path.name}: line {number}"
            gnu = _GNU.match(text)
            if gnu:
                digest, name = gnu.group(1), gnu.group(2)
            elif bsd := _BSD.match(text):
                digest, name = bsd.group(3), bsd.group(2)
            else:
                raise HashSetError(f"{where}: not '<hex>  <name>': {text[:80]!r}")
            kind = hash_kind_of(digest, where)
            yield ParsedEntry.from_hashes(where, {kind: digest.lower()}, note=name or None)


class PlainListFormat(HashSetFormat):
    """One md5, sha1, sha256 or sha512 hex digest per line (by length); ``#`` comments allowed."""

    name = "plain"
    description = "plain list, one md5/sha1/sha256/sha512 hex digest per line"

    def sniff(self, path: Path, head: bytes) -> bool:
        lines = _first_content(head)
        return bool(lines) and all(_BARE.match(ln) for ln in lines)

    def parse(self, path: Path) -> Iterator[ParsedEntry]:
        for number, text in _content_lines(path):
            where = f"{path.name}: line {number}"
            kind = hash_kind_of(text, where)
            yield ParsedEntry.from_hashes(where, {kind: text.lower()})
