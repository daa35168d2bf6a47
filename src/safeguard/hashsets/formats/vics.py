"""Project VIC VICS JSON, 1.x and 2.0, parsed as a stream with ijson."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import ijson

from safeguard.errors import HashSetError
from safeguard.hashsets.entries import ParsedEntry, norm_hex, parse_bool
from safeguard.hashsets.formats.base import HashSetFormat, head_text

__all__ = ["VicsFormat"]

_BOM = b"\xef\xbb\xbf"


def _open_json(path: Path) -> IO[bytes]:
    fh = path.open("rb")
    if fh.read(3) != _BOM:
        fh.seek(0)
    return fh


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _note(media: Mapping[str, Any]) -> str | None:
    parts = [f"{key}: {_text(media[key])}" for key in ("Comments", "Tags") if _text(media.get(key))]
    if _text(media.get("MediaID")):
        parts.insert(0, f"MediaID: {_text(media['MediaID'])}")
    return "; ".join(parts) or None


def _category(value: Any) -> str | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _text(value)


def _entry(media: Mapping[str, Any], where: str) -> ParsedEntry:
    get = {k.lower(): v for k, v in media.items()}.get
    return ParsedEntry(
        location=where,
        md5=norm_hex(get("md5"), "md5", where),
        sha1=norm_hex(get("sha1"), "sha1", where),
        sha256=norm_hex(get("sha256"), "sha256", where),
        source_category=_category(get("category")),
        victim_identified=parse_bool(get("victimidentified"), "VictimIdentified", where),
        distributed=parse_bool(get("isdistributed"), "IsDistributed", where),
        series=_text(get("series")),
        note=_note(media),
    )


class VicsFormat(HashSetFormat):
    """VICS 1.x (``odata.metadata`` + ``value``) and 2.0 (``@odata.context`` #Media/#Cases).

    Records without an MD5, SHA1 or SHA256 (PhotoDNA only) yield an entry with no hash,
    which the importer counts and skips.
    """

    name = "vics"
    description = "Project VIC VICS JSON 1.x / 2.0 (Media or Cases with nested Media)"

    def sniff(self, path: Path, head: bytes) -> bool:
        text = head_text(head).lstrip()
        return text.startswith("{") and ("odata.metadata" in text or "@odata.context" in text)

    def parse(self, path: Path) -> Iterator[ParsedEntry]:
        with _open_json(path) as fh:
            try:
                yield from self._records(path, fh)
            except ijson.JSONError as exc:
                raise HashSetError(f"{path}: not valid VICS JSON: {exc}") from exc

    def _records(self, path: Path, fh: IO[bytes]) -> Iterator[ParsedEntry]:
        seen_value = False
        for index, item in enumerate(ijson.items(fh, "value.item", use_float=True)):
            seen_value = True
            if not isinstance(item, dict):
                raise HashSetError(f"{path}: value[{index}] is not an object")
            media = item.get("Media")
            if isinstance(media, list) and "MD5" not in item and "SHA1" not in item:
                for inner, record in enumerate(media):  # a #Cases export
                    yield _entry(record, f"{path.name}: case {index} media {inner}")
            else:
                yield _entry(item, f"{path.name}: record {index}")
        if not seen_value:
            _require_value(path)


def _require_value(path: Path) -> None:
    """An export with no records must still be a VICS document with a ``value`` array."""
    with _open_json(path) as fh:
        for prefix, event, _ in ijson.parse(fh):
            if prefix == "value" and event == "start_array":
                return
    raise HashSetError(f"{path}: no 'value' array: not a VICS export")
