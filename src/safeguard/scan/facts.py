"""What scans tell other stages: per-subject device findings (for assess) and the number
of devices examined (for the operation's statistics in track).

Both read only completed scans. They are plain functions over the store so the assess
factors and track statistics can call them without knowing the scan tables.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import distinct, func, select

from safeguard.store.db import Store
from safeguard.store.models import Scan, ScanFile

__all__ = ["SubjectDeviceFacts", "devices_examined", "subject_device_facts"]


@dataclass(frozen=True)
class SubjectDeviceFacts:
    """Totals over a subject's completed device scans.

    ``needs_reassessment`` is true when a scan finished after ``assessed_at`` (or there
    was no assessment) and found Category A files or unknown images or videos; the
    ``reasons`` say which, for the re-assessment's explanation.
    """

    subject_id: int
    scans: int
    devices: int
    files_a: int
    files_b: int
    files_c: int
    unknown_images: int
    unknown_videos: int
    last_scan_at: datetime | None
    scan_ids: tuple[int, ...]
    needs_reassessment: bool
    reasons: tuple[str, ...]


def _bucket(category: str | None, media: str) -> str | None:
    if category in ("A", "B", "C"):
        return category
    if category is None and media in ("image", "video"):
        return f"unknown_{media}s"
    return None


def _counts(store: Store, scan_ids: list[int], since: datetime | None) -> Counter[str]:
    """Files per bucket over the scans, plus ``new_A``/``new_unknown`` from scans that
    finished after ``since``."""
    query = (
        select(ScanFile.scan_id, ScanFile.category, ScanFile.media, func.count())
        .where(ScanFile.scan_id.in_(scan_ids))
        .group_by(ScanFile.scan_id, ScanFile.category, ScanFile.media)
    )
    out: Counter[str] = Counter()
    with store.engine.connect() as conn:
        finished = {
            int(i): at
            for i, at in conn.execute(
                select(Scan.id, Scan.finished_at).where(Scan.id.in_(scan_ids))
            )
        }
        for scan_id, category, media, n in conn.execute(query):
            bucket = _bucket(category, media)
            if bucket is None:
                continue
            out[bucket] += int(n)
            at = finished.get(int(scan_id))
            if since is None or (at is not None and at > since):
                out["new_A" if bucket == "A" else "new_unknown" if "unknown" in bucket else ""] += (
                    int(n)
                )
    return out


def subject_device_facts(
    store: Store, subject_id: int, *, assessed_at: datetime | None = None
) -> SubjectDeviceFacts:
    """Device findings attached to ``subject_id`` by ``safeguard scan --subject``."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(Scan.id, Scan.device_label, Scan.finished_at)
            .where(Scan.subject_id == subject_id, Scan.status == "complete")
            .order_by(Scan.id)
        ).all()
    ids = [int(r[0]) for r in rows]
    c = _counts(store, ids, assessed_at) if ids else Counter()
    reasons = []
    if c.get("new_A"):
        reasons.append(f"device scan found {c['new_A']} Category A file(s)")
    if c.get("new_unknown"):
        reasons.append(f"device scan found {c['new_unknown']} unknown image/video file(s) to grade")
    return SubjectDeviceFacts(
        subject_id=subject_id,
        scans=len(ids),
        devices=len({r[1] for r in rows}),
        files_a=c.get("A", 0),
        files_b=c.get("B", 0),
        files_c=c.get("C", 0),
        unknown_images=c.get("unknown_images", 0),
        unknown_videos=c.get("unknown_videos", 0),
        last_scan_at=max((r[2] for r in rows if r[2] is not None), default=None),
        scan_ids=tuple(ids),
        needs_reassessment=bool(reasons),
        reasons=tuple(reasons),
    )


def devices_examined(store: Store, operation_id: int) -> int:
    """Distinct devices (by label) with a completed scan in the operation."""
    query = select(func.count(distinct(Scan.device_label))).where(
        Scan.operation_id == operation_id, Scan.status == "complete"
    )
    with store.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())
