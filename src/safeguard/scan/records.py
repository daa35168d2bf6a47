"""Reading and writing scan rows. Each item's results (the file and its archive members)
and their matches are written in the same transaction as the rest of its batch, so a scan
killed at any moment holds only whole items, and a resumed scan redoes only the others."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from safeguard.errors import NotFoundError
from safeguard.scan.items import FileResult, epoch_time
from safeguard.scan.matching import FoundMatch, best_category
from safeguard.store.db import Store
from safeguard.store.models import Operation, Scan, ScanFile, ScanMatch, Subject
from safeguard.store.models.base import utcnow

__all__ = [
    "ScanRef",
    "create_scan",
    "done_keys",
    "find_scan",
    "finish_scan",
    "interrupted_scan",
    "list_scans",
    "subject_id",
    "write_results",
]


@dataclass(frozen=True)
class ScanRef:
    id: int
    device_label: str
    source: str
    source_kind: str
    status: str
    options: dict[str, Any]
    operation_id: int | None
    subject_id: int | None


def _ref(row: Scan) -> ScanRef:
    return ScanRef(
        row.id,
        row.device_label,
        row.source,
        row.source_kind,
        row.status,
        dict(row.options),
        row.operation_id,
        row.subject_id,
    )


def subject_id(store: Store, operation_id: int, label: str) -> int:
    with store.session() as s:
        found = s.scalar(
            select(Subject.id).where(Subject.operation_id == operation_id, Subject.label == label)
        )
    if found is None:
        raise NotFoundError(f"no subject {label!r} in this operation (see `safeguard subjects`)")
    return int(found)


def create_scan(
    store: Store,
    *,
    device: str,
    source: str,
    source_kind: str,
    operation_id: int | None,
    subject: int | None,
    user: str,
    options: dict[str, Any],
) -> ScanRef:
    with store.session() as s:
        row = Scan(
            device_label=device,
            source=source,
            source_kind=source_kind,
            operation_id=operation_id,
            subject_id=subject,
            started_by=user,
            options=options,
        )
        s.add(row)
        s.flush()
        return _ref(row)


def interrupted_scan(store: Store, device: str) -> ScanRef:
    """The latest unfinished scan of ``device`` (for ``--resume``)."""
    with store.session() as s:
        row = s.scalars(
            select(Scan)
            .where(Scan.device_label == device, Scan.status == "running")
            .order_by(Scan.id.desc())
        ).first()
        if row is None:
            raise NotFoundError(f"no unfinished scan of device {device!r} to resume")
        return _ref(row)


def find_scan(store: Store, ref: str) -> ScanRef:
    """A scan by id, or the latest scan of a device label."""
    with store.session() as s:
        row = s.get(Scan, int(ref)) if ref.isdigit() else None
        if row is None:
            row = s.scalars(
                select(Scan).where(Scan.device_label == ref).order_by(Scan.id.desc())
            ).first()
        if row is None:
            raise NotFoundError(f"no scan {ref!r} (give a scan id or a device label)")
        return _ref(row)


def operation_name(store: Store, operation_id: int | None) -> str | None:
    if operation_id is None:
        return None
    with store.session() as s:
        return s.scalar(select(Operation.name).where(Operation.id == operation_id))


def done_keys(store: Store, scan_id: int) -> set[str]:
    """Keys of the top-level items of a scan already stored."""
    query = select(ScanFile.key).where(ScanFile.scan_id == scan_id, ScanFile.container.is_(None))
    with store.engine.connect() as conn:
        return {str(k) for (k,) in conn.execute(query)}


def _file_row(scan_id: int, r: FileResult, matches: Sequence[FoundMatch]) -> dict[str, Any]:
    t = r.times
    return {
        "scan_id": scan_id,
        "key": r.key,
        "path": r.path,
        "raw_name": r.raw_name,
        "container": r.container,
        "size": r.size,
        "mtime": epoch_time(t.mtime),
        "atime": epoch_time(t.atime),
        "ctime": epoch_time(t.ctime),
        "crtime": epoch_time(t.crtime),
        "deleted": r.deleted,
        "md5": r.md5,
        "sha1": r.sha1,
        "sha256": r.sha256,
        "media": r.media,
        "mime": r.mime,
        "pdq": r.pdq,
        "pdq_quality": r.pdq_quality,
        "vpdq": r.vpdq,
        "status": r.status,
        "reason": r.reason,
        "category": best_category(matches),
    }


def _match_row(scan_id: int, file_id: int, m: FoundMatch) -> dict[str, Any]:
    return {
        "scan_id": scan_id,
        "scan_file_id": file_id,
        "hash_entry_id": m.entry_id,
        "set_name": m.set_name,
        "set_version": m.set_version,
        "method": m.method,
        "distance": m.distance,
        "match_percent": m.match_percent,
        "category": m.category,
    }


def write_results(
    conn: Connection,
    scan_id: int,
    results: Sequence[FileResult],
    matches: Sequence[Sequence[FoundMatch]],
) -> None:
    """Insert the results of some items and their matches (the caller holds the transaction)."""
    if not results:
        return
    rows = [_file_row(scan_id, r, m) for r, m in zip(results, matches, strict=True)]
    ids = (
        conn.execute(insert(ScanFile).returning(ScanFile.id, sort_by_parameter_order=True), rows)
        .scalars()
        .all()
    )
    match_rows = [
        _match_row(scan_id, int(fid), m) for fid, ms in zip(ids, matches, strict=True) for m in ms
    ]
    if match_rows:
        conn.execute(insert(ScanMatch), match_rows)


def finish_scan(store: Store, scan_id: int, counts: dict[str, Any]) -> None:
    with store.transaction() as conn:
        conn.execute(
            update(Scan)
            .where(Scan.id == scan_id)
            .values(status="complete", finished_at=utcnow(), counts=counts)
        )


def file_counts(store: Store, scan_id: int) -> dict[str, int]:
    """Files by status, for the scan's summary."""
    query = (
        select(ScanFile.status, func.count())
        .where(ScanFile.scan_id == scan_id)
        .group_by(ScanFile.status)
    )
    with store.engine.connect() as conn:
        return {str(s): int(n) for s, n in conn.execute(query)}


def list_scans(store: Store, operation: str | None) -> list[dict[str, Any]]:
    """Scans newest first, of one operation when named."""
    query = select(Scan).order_by(Scan.id.desc())
    with store.session() as s:
        if operation is not None:
            query = query.where(Scan.operation_id == store.operation_id(operation))
        return [
            {
                "id": r.id,
                "device": r.device_label,
                "status": r.status,
                "source": r.source,
                "source_kind": r.source_kind,
                "started_at": r.started_at,
                "finished_at": r.finished_at,
                "counts": dict(r.counts),
            }
            for r in s.scalars(query)
        ]
