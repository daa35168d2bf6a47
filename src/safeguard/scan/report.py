"""The report of a scan: counts by category, matched files, unknown media to grade, problems.

Everything but the ``scan`` header is a function of the stored files alone, ordered by
their keys, so an interrupted and resumed scan reports exactly what an uninterrupted one
does. Files are described by path, hashes and times only: never by their content.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select

from safeguard.records import Category
from safeguard.scan.records import ScanRef, find_scan, operation_name
from safeguard.store.db import Store
from safeguard.store.models import Scan, ScanFile, ScanMatch, Subject

__all__ = ["COUNT_KEYS", "iter_files", "scan_report"]

#: The category counts every report carries, in display order.
COUNT_KEYS = (
    "A",
    "B",
    "C",
    "uncategorised",
    "non-pertinent",
    "unknown_images",
    "unknown_videos",
)
_FILE_FIELDS = (
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
    "status",
    "reason",
    "category",
    "mtime",
    "atime",
    "ctime",
    "crtime",
    "raw_name",
)
_MATCH_FIELDS = ("set_name", "set_version", "category", "method", "distance", "match_percent")


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _matches(store: Store, scan_id: int) -> dict[int, list[dict[str, Any]]]:
    cols = [ScanMatch.scan_file_id, *(getattr(ScanMatch, f) for f in _MATCH_FIELDS)]
    query = select(*cols).where(ScanMatch.scan_id == scan_id)
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    with store.engine.connect() as conn:
        for row in conn.execute(query):
            doc = dict(zip(_MATCH_FIELDS, row[1:], strict=True))
            doc["set"] = doc.pop("set_name")
            doc["version"] = doc.pop("set_version")
            out[int(row[0])].append(doc)
    for docs in out.values():
        docs.sort(key=lambda d: (d["set"], d["method"], d["distance"], d["category"]))
    return out


def iter_files(store: Store, scan_id: int) -> Iterator[dict[str, Any]]:
    """Every file of a scan as a document (with its matches), ordered by key."""
    matches = _matches(store, scan_id)
    cols = [ScanFile.id, ScanFile.key, *(getattr(ScanFile, f) for f in _FILE_FIELDS)]
    query = select(*cols).where(ScanFile.scan_id == scan_id).order_by(ScanFile.key)
    with store.engine.connect() as conn:
        for row in conn.execute(query):
            doc = {f: _iso(v) for f, v in zip(_FILE_FIELDS, row[2:], strict=True)}
            doc["key"] = row[1]
            doc["matches"] = matches.get(int(row[0]), [])
            yield doc


def _header(store: Store, ref: ScanRef) -> dict[str, Any]:
    with store.session() as s:
        row = s.get(Scan, ref.id)
        assert row is not None
        subject = s.get(Subject, row.subject_id) if row.subject_id is not None else None
        return {
            "id": row.id,
            "device": row.device_label,
            "source": row.source,
            "source_kind": row.source_kind,
            "status": row.status,
            "operation": operation_name(store, row.operation_id),
            "subject": subject.label if subject is not None else None,
            "started_at": _iso(row.started_at),
            "finished_at": _iso(row.finished_at),
            "started_by": row.started_by,
            "hash_sets": row.options.get("hash_sets", {}),
        }


def _bucket(doc: dict[str, Any]) -> str | None:
    if doc["category"] is not None:
        return str(doc["category"])
    if doc["media"] == "image":
        return "unknown_images"
    if doc["media"] == "video":
        return "unknown_videos"
    return None


def _grading_doc(doc: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "path",
        "media",
        "mime",
        "size",
        "md5",
        "sha1",
        "sha256",
        "pdq",
        "pdq_quality",
        "deleted",
        "mtime",
        "reason",
    )
    return {k: doc[k] for k in keep}


def scan_report(store: Store, scan: str) -> dict[str, Any]:
    """The report of the scan with id (or latest of device label) ``scan``."""
    ref = find_scan(store, scan)
    counts: Counter[str] = Counter({k: 0 for k in COUNT_KEYS})
    status: Counter[str] = Counter()
    media: Counter[str] = Counter()
    matched, to_grade, problems = [], [], []
    files = total_bytes = 0
    for doc in iter_files(store, ref.id):
        files += 1
        status[doc["status"]] += 1
        media[doc["media"]] += 1
        if doc["container"] is None:
            total_bytes += doc["size"] or 0
        bucket = _bucket(doc)
        if bucket is not None:
            counts[bucket] += 1
        if doc["matches"]:
            matched.append({k: v for k, v in doc.items() if k != "key"})
        elif bucket in ("unknown_images", "unknown_videos"):
            to_grade.append(_grading_doc(doc))
        if doc["status"] != "ok":
            problems.append({"path": doc["path"], "status": doc["status"], "reason": doc["reason"]})
    return {
        "scan": _header(store, ref),
        "counts": {
            "files": files,
            "bytes": total_bytes,
            "categories": {k: counts[k] for k in COUNT_KEYS},
            "matched_files": len(matched),
            "by_status": dict(sorted(status.items())),
            "by_media": dict(sorted(media.items())),
            "abuse_files": sum(counts[c.value] for c in (Category.A, Category.B, Category.C)),
        },
        "matched": matched,
        "to_grade": to_grade,
        "problems": problems,
    }
