"""``fileDetails`` -> file events (direction ``upload``) and the IPs files came from."""

from __future__ import annotations

from typing import Any

from safeguard.ingest.cybertip.model import (
    MAX_ID,
    MAX_TEXT,
    FileRecord,
    MappedReport,
    Problem,
    hex_hash,
    ip_event,
    text,
)
from safeguard.ingest.reasons import Reason
from safeguard.ingest.xmltree import XmlElement

__all__ = ["map_files"]

_HASH_TYPES = {"MD5": "md5", "SHA1": "sha1", "SHA-1": "sha1", "SHA256": "sha256",
               "SHA-256": "sha256", "PDQ": "pdq"}  # fmt: skip


def _hashes(report: MappedReport, el: XmlElement) -> dict[str, str]:
    out: dict[str, str] = {}
    for h in el.findall("originalFileHash"):
        raw_type = h.attrs.get("hashType", "")
        kind = _HASH_TYPES.get(raw_type.strip().upper())
        if kind is None:
            report.drop(h.line, "originalFileHash/@hashType", Reason.BAD_ENUM, raw_type)
            continue
        value = hex_hash(kind, h.text)
        if value is None:
            report.drop(h.line, f"originalFileHash[{kind}]", Reason.BAD_HASH, h.text)
            continue
        out.setdefault(kind, value)
    return out


def _details(report: MappedReport, el: XmlElement) -> dict[str, Any]:
    """Annotations and the industry classification, kept with the account's attributes."""
    out: dict[str, Any] = {}
    notes = el.find("fileAnnotations")
    if notes is not None:
        found = [c.tag for c in notes.children if c.text.lower() in ("true", "1", "")]
        if found:
            out["file_annotations"] = found
    category = text(report, el.find("industryClassification"), "industryClassification", MAX_ID)
    if category:
        out["industry_classification"] = category
    return out


def _file(report: MappedReport, el: XmlElement, index: int) -> FileRecord | None:
    event_id = el.value("fileId") or el.attrs.get("fileId") or f"file-{index}"
    name = text(report, el.find("fileName") or el.find("originalFileName"), "fileName", MAX_TEXT)
    hashes = _hashes(report, el)
    events = [ip_event(report, ip, "upload") for ip in el.findall("ipCaptureEvent")]
    uploads = [e for e in events if e is not None]
    report.logins.extend(uploads)
    when = uploads[0].ts if uploads else report.incident_time
    if not hashes:
        report.problems.append(Problem(el.line, "originalFileHash", Reason.NO_HASH, None, True))
        return None
    if when is None:
        column = "ipCaptureEvent/dateTime"
        report.problems.append(Problem(el.line, column, Reason.MISSING_VALUE, None, True))
        return None
    return FileRecord(el.line, event_id[:MAX_ID], when, name, hashes, _details(report, el))


def map_files(report: MappedReport, root: XmlElement) -> None:
    """Every ``fileDetails`` of the report (at the top or under ``reporter``)."""
    elements = root.findall("fileDetails") + root.findall("reporter/fileDetails")
    for index, el in enumerate(elements, start=1):
        record = _file(report, el, index)
        if record is not None:
            report.files.append(record)
