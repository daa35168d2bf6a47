"""Writing small platform-export and CyberTipline deliveries for tests and demos (synthetic data
only)."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "cybertip_file_details_xml",
    "cybertip_report_xml",
    "write_cybertip_delivery",
    "write_manifest",
    "write_platform_export",
    "write_table",
]

Row = Mapping[str, Any]


def write_table(path: Path, rows: Sequence[Row], columns: Sequence[str] | None = None) -> None:
    """A CSV table with a header of ``columns`` (default: keys of the first row)."""
    names = list(columns or (rows[0].keys() if rows else []))
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, names, extrasaction="raise")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})


def write_manifest(root: Path, files: Sequence[str], **fields: Any) -> Path:
    """``manifest.json`` listing ``files`` (relative to ``root``) with their SHA-256."""
    doc: dict[str, Any] = {
        "format": "safeguard-platform-export",
        "version": 1,
        "platform": "exampleshare",
        "source_agency": "Example Partner Agency",
        "produced_at": "2020-05-01T00:00:00Z",
        "grading": {"source": "2", "intelligence": "B", "handling": "P", "conditions": ""},
    }
    doc.update(fields)
    doc["files"] = {
        name: hashlib.sha256((root / name).read_bytes()).hexdigest() for name in sorted(files)
    }
    path = root / "manifest.json"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


def _write_jsonl(path: Path, rows: Sequence[Row]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps({k: v for k, v in row.items() if v not in (None, "")}) + "\n")


def _write_parquet(path: Path, rows: Sequence[Row]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = list(rows[0].keys()) if rows else []
    cols = {n: [None if r.get(n) in (None, "") else str(r[n]) for r in rows] for n in names}
    pq.write_table(pa.table({n: pa.array(v, pa.string()) for n, v in cols.items()}), path)


def write_platform_export(
    root: Path, tables: Mapping[str, Sequence[Row]], *, suffix: str = "csv", **manifest: Any
) -> Path:
    """A delivery directory with ``<table>.<suffix>`` (csv, jsonl, parquet) per table + manifest."""
    root.mkdir(parents=True, exist_ok=True)
    writers = {"csv": write_table, "jsonl": _write_jsonl, "parquet": _write_parquet}
    names = []
    for table, rows in tables.items():
        name = f"{table}.{suffix}"
        writers[suffix](root / name, rows)
        names.append(name)
    write_manifest(root, names, **manifest)
    return root


def _xml_escape(value: Any) -> str:
    from xml.sax.saxutils import escape

    return escape(str(value))


_IP_FIELDS = ("ipAddress", "eventName", "dateTime", "possibleProxy", "port")
_SCHEMA = (' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
           ' xsi:noNamespaceSchemaLocation="https://report.cybertip.org/ispws/xsd"')  # fmt: skip


def _ip_events(events: Sequence[Row]) -> str:
    out = []
    for e in events:
        parts = "".join(
            f"<{k}>{_xml_escape(e[k])}</{k}>" for k in _IP_FIELDS if e.get(k) is not None
        )
        out.append(f"<ipCaptureEvent>{parts}</ipCaptureEvent>")
    return "".join(out)


def cybertip_file_details_xml(
    report_id: str | None,
    *,
    file_id: str = "f1",
    file_name: str = "",
    hashes: Mapping[str, str] | None = None,
    ip_events: Sequence[Row] = (),
    classification: str = "A1",
) -> str:
    """A ``fileDetails`` document (the Reporting API's shape) with synthetic values."""
    rid = "" if report_id is None else f"<reportId>{_xml_escape(report_id)}</reportId>"
    name = f"<originalFileName>{_xml_escape(file_name)}</originalFileName>" if file_name else ""
    digests = "".join(
        f'<originalFileHash hashType="{t}">{_xml_escape(v)}</originalFileHash>'
        for t, v in (hashes or {}).items()
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<fileDetails{_SCHEMA}>{rid}'
        f"<fileId>{_xml_escape(file_id)}</fileId>{name}"
        f"<industryClassification>{_xml_escape(classification)}</industryClassification>"
        f"{digests}{_ip_events(ip_events)}</fileDetails>\n"
    )


def cybertip_report_xml(
    *,
    esp: str | None = "ExampleShare",
    esp_id: str | None = "u-1001",
    screen_name: str = "example_user",
    display_name: str = "Example User",
    emails: Sequence[str] = ("example.user@example.com",),
    phones: Sequence[str] = (),
    country: str | None = "GB",
    ip_events: Sequence[Row] = (),
    incident: str = "2020-03-01T10:00:00Z",
    phone_code: str | None = None,
    date_of_birth: str | None = None,
) -> str:
    """A report document in the Reporting API's shape, with synthetic values (test and demo
    data only). ``esp`` goes to ``incidentSummary/platform`` (a report names no provider
    otherwise: the delivery's ``cybertipline.json`` does); files are separate documents
    (:func:`cybertip_file_details_xml`). ``phone_code`` is every phone's
    ``countryCallingCode``."""
    code = "" if phone_code is None else f' countryCallingCode="{_xml_escape(phone_code)}"'
    contact = "".join(f"<phone{code}>{_xml_escape(p)}</phone>" for p in phones)
    contact += "".join(f"<email>{_xml_escape(e)}</email>" for e in emails)
    if date_of_birth:
        contact += f"<dateOfBirth>{_xml_escape(date_of_birth)}</dateOfBirth>"
    platform = "" if esp is None else f"<platform>{_xml_escape(esp)}</platform>"
    id_xml = "" if esp_id is None else f"<espIdentifier>{_xml_escape(esp_id)}</espIdentifier>"
    loc = (
        ""
        if country is None
        else f"<estimatedLocation><countryCode>{country}</countryCode></estimatedLocation>"
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<report{_SCHEMA}>\n'
        f"<incidentSummary><incidentType>Child Pornography (possession, manufacture, and"
        f" distribution)</incidentType>{platform}<incidentDateTime>{incident}</incidentDateTime>"
        "</incidentSummary>\n"
        "<internetDetails><webPageIncident><url>https://share.example/item/1</url>"
        "</webPageIncident></internetDetails>\n"
        "<reporter><reportingPerson><email>reports@example.com</email>"
        "</reportingPerson></reporter>\n"
        f"<personOrUserReported>\n<personOrUserReportedPerson>{contact}"
        f"</personOrUserReportedPerson>\n{id_xml}"
        f"<screenName>{_xml_escape(screen_name)}</screenName>"
        f"<displayName>{_xml_escape(display_name)}</displayName>\n"
        f"{_ip_events(ip_events)}\n{loc}\n</personOrUserReported>\n</report>\n"
    )


def write_cybertip_delivery(
    root: Path, reports: Mapping[str, tuple[str, Sequence[str]]], *, provider: str | None = None
) -> Path:
    """A folder per report named by its report id (``<id>/report.xml`` and
    ``<id>/file-N.xml``), with ``cybertipline.json`` naming ``provider`` when given."""
    root.mkdir(parents=True, exist_ok=True)
    if provider is not None:
        doc = {"format": "ncmec-cybertipline", "version": 1, "provider": provider}
        (root / "cybertipline.json").write_text(json.dumps(doc) + "\n", encoding="utf-8")
    for report_id, (report, files) in reports.items():
        folder = root / report_id
        folder.mkdir()
        (folder / "report.xml").write_text(report, encoding="utf-8")
        for n, doc_text in enumerate(files, start=1):
            (folder / f"file-{n}.xml").write_text(doc_text, encoding="utf-8")
    return root
