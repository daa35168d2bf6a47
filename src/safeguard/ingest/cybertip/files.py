"""``fileDetails`` -> file events (direction ``upload``) and the IPs files came from.

A ``fileDetails`` is its own document (root ``fileDetails``, with the ``reportId`` of its
report), as the Reporting API takes it; older exports put them inside the report.
"""

from __future__ import annotations

from typing import Any

from safeguard.ingest.cybertip.extras import flags, keep_rest
from safeguard.ingest.cybertip.model import (
    MAX_ID,
    MAX_TEXT,
    FileRecord,
    MappedReport,
    Problem,
    hex_hash,
    ip_event,
    text,
    timestamp,
)
from safeguard.ingest.cybertip.person import device_ids
from safeguard.ingest.reasons import Reason
from safeguard.ingest.xmltree import XmlElement

__all__ = ["HASH_TYPES", "finish_file", "map_file", "map_files"]

#: ``originalFileHash/@hashType`` (upper-cased) -> our hash column.
HASH_TYPES = {"MD5": "md5", "SHA1": "sha1", "SHA-1": "sha1", "SHA256": "sha256",
              "SHA-256": "sha256", "SHA512": "sha512", "SHA-512": "sha512",
              "PDQ": "pdq"}  # fmt: skip
_READ = {"reportId", "fileId", "fileName", "originalFileName", "fileAnnotations",
         "industryClassification", "originalFileHash", "ipCaptureEvent", "deviceId"}  # fmt: skip
_NAMED = {"locationOfFile": "location_of_file", "publiclyAvailable": "publicly_available",
          "fileRelevance": "file_relevance", "fileViewedByEsp": "file_viewed_by_esp",
          "exifViewedByEsp": "exif_viewed_by_esp",
          "uploadedToEspTimestamp": "uploaded_to_esp_timestamp"}  # fmt: skip


def _hashes(report: MappedReport, el: XmlElement) -> dict[str, str]:
    out: dict[str, str] = {}
    for h in el.findall("originalFileHash"):
        raw_type = h.attrs.get("hashType", "")
        kind = HASH_TYPES.get(raw_type.strip().upper())
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
    """Everything else the file's details say, kept with the account's attributes."""
    out: dict[str, Any] = {}
    found = flags(el.find("fileAnnotations"))
    if found:
        out["file_annotations"] = found
    category = text(report, el.find("industryClassification"), "industryClassification", MAX_ID)
    if category:
        out["industry_classification"] = category
    for tag in ("fileName", "originalFileName"):
        value = el.value(tag)
        if value:
            out[tag] = value[:MAX_TEXT]
    devices = device_ids(report, el, "fileDetails/deviceId")
    if devices:
        out["device_ids"] = devices
    other: dict[str, Any] = {}
    keep_rest(other, el, _READ)
    for tag, key in _NAMED.items():
        if tag in other:
            out[key] = other.pop(tag)
    if "additionalInfo" in other:
        info = other.pop("additionalInfo")
        out["additional_info"] = info if isinstance(info, list) else [info]
    if other:
        out["other"] = other
    return out


def _uploaded(el: XmlElement) -> Any:
    ts, _reason = timestamp(el.find("uploadedToEspTimestamp"))
    return ts


def map_file(report: MappedReport, el: XmlElement, index: int) -> FileRecord | None:
    """One ``fileDetails``: its hashes, upload IP and details; ``ts`` may still be None."""
    event_id = el.value("fileId") or el.attrs.get("fileId") or f"file-{index}"
    name_el = el.find("originalFileName") or el.find("fileName")
    name = text(report, name_el, "originalFileName", MAX_TEXT)
    hashes = _hashes(report, el)
    events = [ip_event(report, ip, "upload") for ip in el.findall("ipCaptureEvent")]
    uploads = [e for e in events if e is not None]
    report.logins.extend(uploads)
    if not hashes:
        report.problems.append(Problem(el.line, "originalFileHash", Reason.NO_HASH, None, True))
        return None
    when = next((e.ts for e in uploads if e.ts is not None), None) or _uploaded(el)
    details = _details(report, el)
    return FileRecord(el.line, event_id[:MAX_ID], when, name, hashes, details)


def finish_file(report: MappedReport, record: FileRecord) -> bool:
    """Give ``record`` its report's incident time if it has none; False (refused) if neither."""
    if record.ts is None:
        record.ts = report.incident_time
    if record.ts is None:
        column = "ipCaptureEvent/dateTime"
        report.problems.append(Problem(record.line, column, Reason.MISSING_VALUE, None, True))
        return False
    return True


def map_files(report: MappedReport, root: XmlElement) -> None:
    """Every ``fileDetails`` inside the report (at the top or under ``reporter``)."""
    elements = root.findall("fileDetails") + root.findall("reporter/fileDetails")
    for index, el in enumerate(elements, start=1):
        record = map_file(report, el, index)
        if record is not None and finish_file(report, record):
            report.files.append(record)
    for login in report.logins:
        login.ts = login.ts or report.incident_time
