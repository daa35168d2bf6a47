"""Exports of a scan: a VICS 2.0 case (for review tools), a hashdeep manifest, and CSV.

Each is written beside its target and renamed into place, so a failure leaves no
half-written file.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO, Any

from safeguard.hashsets.categories import load_scheme
from safeguard.records import Category
from safeguard.scan.records import find_scan
from safeguard.scan.report import iter_files
from safeguard.store.db import Store
from safeguard.version import code_version

__all__ = ["EXPORTS", "export_scan"]

_CSV_COLUMNS = (
    "path",
    "container",
    "size",
    "deleted",
    "md5",
    "sha1",
    "sha256",
    "media",
    "mime",
    "pdq",
    "pdq_quality",
    "category",
    "matched_sets",
    "status",
    "reason",
    "mtime",
    "atime",
    "ctime",
    "crtime",
)
_VICS_CONTEXT = "http://github.com/ICMEC/ProjectVic/DataModels/2.0.xml/CUSTOM/$metadata#Cases"


@contextmanager
def _atomic(path: Path, mode: str) -> Iterator[IO[Any]]:
    tmp = path.with_name(path.name + ".part")
    try:
        encoding, newline = (None, None) if "b" in mode else ("utf-8", "")
        with open(tmp, mode, encoding=encoding, newline=newline) as fh:
            yield fh
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def _hashed(docs: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    return (d for d in docs if d["md5"] and d["sha256"])


def _raw_path(source: str, kind: str, doc: dict[str, Any]) -> bytes:
    rel = bytes.fromhex(doc["raw_name"]) if doc["raw_name"] else doc["path"].encode()
    if kind != "directory":
        return b"/" + rel
    return os.path.join(os.fsencode(source), rel)


def write_hashdeep(store: Store, scan_id: int, out: IO[bytes]) -> int:
    """hashdeep's audit-file format (``size,md5,sha256,filename``) for the files read from
    the device itself (archive members have no path of their own, so are left out)."""
    ref = find_scan(store, str(scan_id))
    out.write(b"%%%% HASHDEEP-1.0\n%%%% size,md5,sha256,filename\n")
    out.write(f"## Invoked from: safeguard scan {ref.id} ({code_version()})\n".encode())
    out.write(f"## $ safeguard scan report {ref.id} --hashdeep\n##\n".encode())
    count = 0
    for doc in _hashed(iter_files(store, scan_id)):
        if doc["container"] is not None:
            continue
        name = _raw_path(ref.source, ref.source_kind, doc)
        out.write(f"{doc['size']},{doc['md5']},{doc['sha256']},".encode() + name + b"\n")
        count += 1
    return count


def _csv_row(doc: dict[str, Any]) -> list[Any]:
    sets = sorted({f"{m['set']}@{m['version']}" for m in doc["matches"]})
    values = {**doc, "matched_sets": " ".join(sets)}
    return ["" if values[c] is None else values[c] for c in _CSV_COLUMNS]


def write_csv(store: Store, scan_id: int, out: IO[str]) -> int:
    """One row per file (archive members included), with its best category and sets."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_CSV_COLUMNS)
    count = 0
    for doc in iter_files(store, scan_id):
        writer.writerow(_csv_row(doc))
        count += 1
    return count


def _vics_category(doc: dict[str, Any]) -> int | None:
    if doc["category"] is None:
        return None
    value = load_scheme("uk").export_value(Category(doc["category"]))
    return int(value) if value is not None and value.isdigit() else None


def _media_file(doc: dict[str, Any]) -> dict[str, Any]:
    pure = PurePosixPath(doc["path"])
    return {
        "FileName": pure.name,
        "FilePath": str(pure.parent),
        "Created": doc["crtime"] or doc["ctime"],
        "Written": doc["mtime"],
        "Accessed": doc["atime"],
        "Unallocated": bool(doc["deleted"]),
    }


def _media(docs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    by_md5: dict[str, dict[str, Any]] = {}
    for doc in _hashed(docs):
        if doc["media"] not in ("image", "video") and not doc["matches"]:
            continue
        media = by_md5.get(doc["md5"])
        if media is None:
            media = by_md5[doc["md5"]] = {
                "MediaID": len(by_md5) + 1,
                "Category": _vics_category(doc),
                "MD5": doc["md5"].upper(),
                "SHA1": doc["sha1"].upper(),
                "MediaSize": doc["size"],
                "IsPrecategorized": doc["category"] is not None,
                "Comments": f"{doc['media']}; {doc['mime']}",
                "MediaFiles": [],
            }
        media["MediaFiles"].append(_media_file(doc))
    return list(by_md5.values())


def write_vics(store: Store, scan_id: int, out: IO[str]) -> int:
    """A VICS 2.0 ``#Cases`` document: one case (the device), one Media per distinct image,
    video or matched file (MD5), each with the paths it was found at. Categories are
    written in the UK scheme (1 = A, 2 = B, 3 = C, 0 = non-pertinent); unknown media have
    no category, for grading."""
    ref = find_scan(store, str(scan_id))
    media = _media(iter_files(store, scan_id))
    case = {
        "CaseNumber": ref.device_label,
        "SourceApplicationName": "Safeguard",
        "SourceApplicationVersion": code_version(),
        "Media": media,
    }
    json.dump({"@odata.context": _VICS_CONTEXT, "value": [case]}, out, indent=1)
    out.write("\n")
    return len(media)


#: Export name -> (writer, file mode).
EXPORTS: dict[str, tuple[Callable[[Store, int, Any], int], str]] = {
    "vics": (write_vics, "w"),
    "hashdeep": (write_hashdeep, "wb"),
    "csv": (write_csv, "w"),
}


def export_scan(store: Store, scan: str, kind: str, path: Path) -> int:
    """Write export ``kind`` (vics, hashdeep, csv) of ``scan`` to ``path``; returns rows."""
    ref = find_scan(store, scan)
    writer, mode = EXPORTS[kind]
    with _atomic(path, mode) as out:
        return writer(store, ref.id, out)
