"""Synthetic hash sets in every supported format, written at test time.

Every hash here is random hex from a seeded generator; nothing refers to real material.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SynthEntry:
    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    pdq: str | None = None
    category: str | None = None


def rand_hex(rng: random.Random, digits: int) -> str:
    return f"{rng.getrandbits(digits * 4):0{digits}x}"


def full_entries(
    n: int, seed: int = 1, categories: tuple[str, ...] = ("1", "2", "3")
) -> list[SynthEntry]:
    rng = random.Random(seed)
    return [
        SynthEntry(
            md5=rand_hex(rng, 32),
            sha1=rand_hex(rng, 40),
            sha256=rand_hex(rng, 64),
            pdq=rand_hex(rng, 64),
            category=categories[i % len(categories)],
        )
        for i in range(n)
    ]


def _vics(path: Path, entries: list[SynthEntry]) -> None:
    media = [
        {
            "MediaID": i,
            "Category": int(e.category) if e.category else None,
            "MD5": (e.md5 or "").upper(),
            "SHA1": e.sha1,
            "VictimIdentified": "true" if i % 2 else False,
            "IsDistributed": "false",
            "Series": None,
        }
        for i, e in enumerate(entries)
    ]
    doc = {"@odata.context": "http://example.invalid/odata/$metadata#Media", "value": media}
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(doc).encode())


def _safeguard_csv(path: Path, entries: list[SynthEntry]) -> None:
    lines = ["md5,sha1,sha256,pdq,category,victim_identified,series,note"]
    cats = {"1": "A", "2": "B", "3": "C", None: ""}
    lines += [
        f"{e.md5 or ''},{e.sha1 or ''},{e.sha256 or ''},{e.pdq or ''},"
        f'{cats.get(e.category, e.category)},true,s1,"a, note"'
        for e in entries
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _nsrl2(path: Path, entries: list[SynthEntry]) -> None:
    head = '"SHA-1","MD5","CRC32","FileName","FileSize","ProductCode","OpSystemCode","SpecialCode"'
    rows = [
        f'"{e.sha1.upper()}","{e.md5.upper()}","0000ABCD","f{i}.dll",10,1,"358",""'  # type: ignore[union-attr]
        for i, e in enumerate(entries)
    ]
    path.write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")


def _nsrl3(path: Path, entries: list[SynthEntry]) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE FILE (sha256 TEXT, sha1 TEXT, md5 TEXT, file_name TEXT)")
    conn.execute("CREATE VIEW DISTINCT_HASH AS SELECT DISTINCT sha256, sha1, md5 FROM FILE")
    conn.executemany(
        "INSERT INTO FILE VALUES (?, ?, ?, ?)",
        [(e.sha256.upper(), e.sha1, e.md5, "x") for e in entries],  # type: ignore[union-attr]
    )
    conn.commit()
    conn.close()


def _hashdeep(path: Path, entries: list[SynthEntry]) -> None:
    lines = ["%%%% HASHDEEP-1.0", "%%%% size,md5,sha256,filename", "## Invoked from: /x", "##"]
    lines += [f"{i},{e.md5},{e.sha256},/data/f,{i}.jpg" for i, e in enumerate(entries)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _hashsum(path: Path, entries: list[SynthEntry]) -> None:
    path.write_text("".join(f"{e.sha256}  dir/f {i}.jpg\n" for i, e in enumerate(entries)))


def _plain(path: Path, entries: list[SynthEntry]) -> None:
    path.write_text("# synthetic\n" + "".join(f"{(e.md5 or '').upper()}\r\n" for e in entries))


def _threatexchange(path: Path, entries: list[SynthEntry]) -> None:
    lines = ["signal_type,signal_str,collab,category,tags"]
    lines += [f"pdq,{e.pdq},test-collab,{e.category or ''},t1 t2" for e in entries]
    lines.append("url,http://example.invalid/x,test-collab,,")
    path.write_text("\n".join(lines) + "\n")


#: name -> (file name, writer, which hash kinds the format carries, carries categories).
WRITERS: dict[str, tuple[str, Callable[[Path, list[SynthEntry]], None], tuple[str, ...], bool]] = {
    "vics": ("set.json", _vics, ("md5", "sha1"), True),
    "safeguard-csv": ("set.csv", _safeguard_csv, ("md5", "sha1", "sha256", "pdq"), True),
    "nsrl-rds2": ("NSRLFile.txt", _nsrl2, ("sha1", "md5"), False),
    "nsrl-rds3": ("rds.db", _nsrl3, ("sha256", "sha1", "md5"), False),
    "hashdeep": ("audit.txt", _hashdeep, ("md5", "sha256"), False),
    "hashsum": ("SHA256SUMS", _hashsum, ("sha256",), False),
    "plain": ("list.txt", _plain, ("md5",), False),
    "threatexchange-csv": ("te.csv", _threatexchange, ("pdq",), True),
}


def write_sample(fmt: str, directory: Path, entries: list[SynthEntry]) -> Path:
    name, writer, _, _ = WRITERS[fmt]
    path = directory / name
    writer(path, entries)
    return path
