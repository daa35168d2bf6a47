"""NIST NSRL RDS v3: a SQLite database with ``FILE`` and ``DISTINCT_HASH`` views."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from safeguard.errors import HashSetError
from safeguard.hashsets.entries import ParsedEntry, norm_hex
from safeguard.hashsets.formats.base import HashSetFormat
from safeguard.records import Category

__all__ = ["NsrlRds3Format"]

_SQLITE_MAGIC = b"SQLite format 3\x00"


class NsrlRds3Format(HashSetFormat):
    """NSRL RDS v3 SQLite (read-only): distinct sha256/sha1/md5 of known-good files."""

    name = "nsrl-rds3"
    description = "NIST NSRL RDS v3 SQLite database (known-good, non-pertinent)"
    fixed_category = Category.NON_PERTINENT

    def sniff(self, path: Path, head: bytes) -> bool:
        return head.startswith(_SQLITE_MAGIC)

    def parse(self, path: Path) -> Iterator[ParsedEntry]:
        try:
            conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise HashSetError(f"{path}: cannot open as SQLite: {exc}") from exc
        try:
            yield from _rows(conn, path)
        except sqlite3.Error as exc:
            raise HashSetError(f"{path}: not an NSRL RDS v3 database: {exc}") from exc
        finally:
            conn.close()


def _rows(conn: sqlite3.Connection, path: Path) -> Iterator[ParsedEntry]:
    names = {r[0].upper() for r in conn.execute("SELECT name FROM sqlite_master")}
    if "DISTINCT_HASH" in names:
        sql = "SELECT sha256, sha1, md5 FROM DISTINCT_HASH"
    elif "FILE" in names:
        sql = "SELECT DISTINCT sha256, sha1, md5 FROM FILE"
    else:
        raise HashSetError(f"{path}: not an NSRL RDS v3 database (no FILE or DISTINCT_HASH)")
    for number, (sha256, sha1, md5) in enumerate(conn.execute(sql), 1):
        where = f"{path.name}: row {number}"
        yield ParsedEntry(
            location=where,
            sha256=norm_hex(sha256, "sha256", where),
            sha1=norm_hex(sha1, "sha1", where),
            md5=norm_hex(md5, "md5", where),
        )
