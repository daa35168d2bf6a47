"""How a CyberTipline delivery names its provider and its reports, and which file is whose.

A delivery may carry ``cybertipline.json`` naming the provider (the electronic service
provider that reported: NCMEC knows it from the submitting account, so the report does
not say it) and each report document's NCMEC report id; or hold one folder per report,
named by the report id. ``fileDetails`` documents name their report by ``reportId``; one
without a known ``reportId`` belongs to the single report document of its folder.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from safeguard.errors import DeliveryRejected

__all__ = ["MANIFEST", "Layout", "link_files", "read_layout", "report_ids"]

MANIFEST = "cybertipline.json"
_MAX_MANIFEST = 16 * 1024 * 1024
_MAX_ID = 200


@dataclass(frozen=True)
class Layout:
    """What ``cybertipline.json`` says: the provider, and report file -> NCMEC report id."""

    provider: str | None = None
    report_ids: dict[str, str] = field(default_factory=dict)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        raise DeliveryRejected(f"{MANIFEST}: {what} must be a non-empty string")
    text = str(value).strip()
    if len(text) > _MAX_ID or "\x00" in text:
        raise DeliveryRejected(f"{MANIFEST}: {what} is longer than {_MAX_ID} characters")
    return text


def _plain(name: str) -> str:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise DeliveryRejected(f"{MANIFEST}: {name!r} is not a plain relative file name")
    return path.as_posix()


def _load(path: Path) -> dict[str, Any]:
    if path.is_symlink() or path.stat().st_size > _MAX_MANIFEST:
        raise DeliveryRejected(f"{MANIFEST}: a link, or larger than {_MAX_MANIFEST} bytes")
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DeliveryRejected(f"{MANIFEST}: not valid JSON ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("format") != "ncmec-cybertipline":
        raise DeliveryRejected(f'{MANIFEST}: "format" must be "ncmec-cybertipline"')
    if doc.get("version", 1) != 1:
        raise DeliveryRejected(f"{MANIFEST}: version {doc.get('version')!r} is not supported")
    return doc


def read_layout(root: Path) -> Layout:
    """``cybertipline.json`` at the top of the delivery (an empty layout when absent)."""
    path = root / MANIFEST
    if not path.exists() and not path.is_symlink():
        return Layout()
    doc = _load(path)
    provider = _text(doc["provider"], '"provider"') if doc.get("provider") is not None else None
    reports = doc.get("reports", {})
    if not isinstance(reports, dict):
        raise DeliveryRejected(f'{MANIFEST}: "reports" must map report ids to report files')
    ids: dict[str, str] = {}
    for report_id, name in reports.items():
        file = _plain(_text(name, f"the file of report {report_id}"))
        if not (root / file).is_file():
            raise DeliveryRejected(f"{MANIFEST}: report {report_id}: {file} is not in the delivery")
        ids[file] = _text(report_id, "a report id")
    return Layout(provider, ids)


def report_ids(reports: dict[str, str | None], layout: Layout) -> dict[str, str | None]:
    """Each report document's NCMEC report id: the manifest's, else its folder's name (a
    folder of digits holding one report), else the one written in the report."""
    per_folder = defaultdict(list)
    for name in reports:
        per_folder[PurePosixPath(name).parent].append(name)
    out: dict[str, str | None] = {}
    for name, written in reports.items():
        folder = PurePosixPath(name).parent
        by_folder = folder.name if folder.name.isdigit() and len(per_folder[folder]) == 1 else None
        out[name] = layout.report_ids.get(name) or by_folder or written
    return out


def link_files(
    reports: dict[str, str | None], files: dict[str, str | None]
) -> tuple[dict[str, list[str]], list[str]]:
    """``fileDetails`` document -> its report: by ``reportId``, else the only report of its
    folder (when that report's id is unknown or the document names none). Returns the
    documents of each report and the ones that belong to none."""
    by_id = {rid: name for name, rid in reports.items() if rid}
    per_folder = defaultdict(list)
    for name in reports:
        per_folder[PurePosixPath(name).parent].append(name)
    linked: dict[str, list[str]] = defaultdict(list)
    orphans: list[str] = []
    for name, rid in files.items():
        target = by_id.get(rid) if rid else None
        if target is None:
            near = per_folder.get(PurePosixPath(name).parent, [])
            if len(near) == 1 and (rid is None or reports[near[0]] is None):
                target = near[0]
        if target is None:
            orphans.append(name)
        else:
            linked[target].append(name)
    return dict(linked), orphans
