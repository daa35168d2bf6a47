"""CSV hash sets: Safeguard CSV, NSRL RDS v2 ``NSRLFile.txt`` and ThreatExchange CSV."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from safeguard.errors import HashSetError
from safeguard.hashing.vpdq import parse_vpdq, vpdq_text
from safeguard.hashsets.entries import HEX_LENGTHS, ParsedEntry, norm_hex, parse_bool
from safeguard.hashsets.formats.base import HashSetFormat, csv_header, csv_rows
from safeguard.records import Category

__all__ = ["NsrlRds2Format", "SafeguardCsvFormat", "ThreatExchangeCsvFormat"]


def _cell(row: dict[str, str], key: str) -> str | None:
    value = (row.get(key) or "").strip()
    return value or None


def _require(path: Path, columns: set[str], needed: set[str], what: str) -> None:
    if not columns & needed:
        raise HashSetError(f"{path}: not {what}: needs a column among {', '.join(sorted(needed))}")


class SafeguardCsvFormat(HashSetFormat):
    """Our own CSV: ``md5,sha1,sha256,sha512,pdq,category,victim_identified,series,note``."""

    name = "safeguard-csv"
    description = "Safeguard CSV (md5, sha1, sha256, pdq, category, victim_identified, ...)"

    def sniff(self, path: Path, head: bytes) -> bool:
        header = set(csv_header(head))
        return "category" in header and bool(header & set(HEX_LENGTHS))

    def parse(self, path: Path) -> Iterator[ParsedEntry]:
        first = True
        for line, row in csv_rows(path):
            if first:
                _require(path, set(row), set(HEX_LENGTHS), "Safeguard CSV")
                first = False
            where = f"{path.name}: line {line}"
            yield ParsedEntry(
                location=where,
                md5=norm_hex(row.get("md5"), "md5", where),
                sha1=norm_hex(row.get("sha1"), "sha1", where),
                sha256=norm_hex(row.get("sha256"), "sha256", where),
                sha512=norm_hex(row.get("sha512"), "sha512", where),
                pdq=norm_hex(row.get("pdq"), "pdq", where),
                source_category=_cell(row, "category"),
                victim_identified=parse_bool(
                    row.get("victim_identified"), "victim_identified", where
                ),
                distributed=parse_bool(row.get("distributed"), "distributed", where),
                series=_cell(row, "series"),
                note=_cell(row, "note"),
            )


class NsrlRds2Format(HashSetFormat):
    """NIST NSRL RDS v2 ``NSRLFile.txt``: known-good files, all non-pertinent."""

    name = "nsrl-rds2"
    description = "NIST NSRL RDS v2 NSRLFile.txt (known-good, non-pertinent)"
    fixed_category = Category.NON_PERTINENT

    def sniff(self, path: Path, head: bytes) -> bool:
        header = csv_header(head)
        return header[:2] == ["sha-1", "md5"]

    def parse(self, path: Path) -> Iterator[ParsedEntry]:
        for line, row in csv_rows(path):
            where = f"{path.name}: line {line}"
            if "sha-1" not in row or "md5" not in row:
                raise HashSetError(f"{path}: not an NSRL RDS v2 file (no SHA-1/MD5 header)")
            yield ParsedEntry(
                location=where,
                sha1=norm_hex(row["sha-1"], "sha1", where),
                md5=norm_hex(row["md5"], "md5", where),
            )


#: ThreatExchange signal types we can match, and the hash kind they hold.
_TE_SIGNALS = {"pdq": "pdq", "video_md5": "md5", "md5": "md5", "photo_md5": "md5"}


class ThreatExchangeCsvFormat(HashSetFormat):
    """ThreatExchange CSV ``signal_type,signal_str,collab,category,tags`` (pdq, video_md5, vpdq).

    Other signal types (URLs, text...) are yielded without a hash and skipped by the importer.
    """

    name = "threatexchange-csv"
    description = "ThreatExchange CSV (signal_type, signal_str, collab, category, tags)"

    def sniff(self, path: Path, head: bytes) -> bool:
        header = csv_header(head)
        return header[:2] == ["signal_type", "signal_str"]

    def parse(self, path: Path) -> Iterator[ParsedEntry]:
        for line, row in csv_rows(path):
            where = f"{path.name}: line {line}"
            if "signal_type" not in row or "signal_str" not in row:
                raise HashSetError(f"{path}: not ThreatExchange CSV (signal_type, signal_str)")
            signal = (row["signal_type"] or "").strip().lower()
            kind = _TE_SIGNALS.get(signal)
            hashes = {kind: norm_hex(row["signal_str"], kind, where)} if kind else {}
            if signal == "vpdq":
                hashes = {"vpdq": vpdq_text(parse_vpdq(row["signal_str"] or "", where))}
            extras = [f"{k}: {row[k].strip()}" for k in ("collab", "tags") if _cell(row, k)]
            yield ParsedEntry.from_hashes(
                where,
                hashes,
                source_category=_cell(row, "category"),
                note="; ".join(extras) or None,
            )
