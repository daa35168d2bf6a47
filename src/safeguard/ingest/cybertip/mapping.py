"""One CyberTipline report (an :class:`XmlElement` tree) -> our records, checked.

Pure: no store, no files. A report becomes one account of the reporting service (the
provider named by the delivery, else one named in the report, is the platform;
``espIdentifier`` or else ``screenName`` the account id), its identifiers, its IP capture
events (logins), its file events (uploads) and a record of the report itself. A report
without a reporting service or a reported user's id is refused. A separate ``fileDetails``
document maps with :func:`map_file_document` and joins its report later.
"""

from __future__ import annotations

from safeguard.ingest.cybertip.extras import map_record
from safeguard.ingest.cybertip.files import map_file, map_files
from safeguard.ingest.cybertip.model import (
    MAX_ID,
    PERSON,
    FileRecord,
    MappedReport,
    Problem,
    text,
    timestamp,
)
from safeguard.ingest.cybertip.person import map_person
from safeguard.ingest.reasons import Reason
from safeguard.ingest.xmltree import XmlElement

__all__ = ["PLATFORM_PATHS", "map_file_document", "map_report", "report_id_of"]

#: In-report names of the provider, used when the delivery does not name it.
PLATFORM_PATHS = ("incidentSummary/platform", "reporter/espName", "reporter/companyName",
                  "reporter/reportingPerson/company")  # fmt: skip


def _platform(root: XmlElement) -> str | None:
    for path in PLATFORM_PATHS:
        value = root.value(path)
        if value:
            return value[:MAX_ID]
    return None


def _summary(report: MappedReport, root: XmlElement) -> None:
    summary = root.find("incidentSummary")
    if summary is None:
        return
    kind = text(report, summary.find("incidentType"), "incidentSummary/incidentType", MAX_ID)
    if kind:
        report.record["incident_type"] = kind
    el = summary.find("incidentDateTime")
    when, reason = timestamp(el)
    if when is not None:
        report.incident_time = when
    elif el is not None and reason is not Reason.MISSING_VALUE:
        assert reason is not None
        report.drop(el.line, "incidentSummary/incidentDateTime", reason, el.text)


def _urls(root: XmlElement) -> list[str]:
    out: list[str] = []
    todo = [c for details in root.findall("internetDetails") for c in details.children]
    while todo and len(out) < 100:
        node = todo.pop(0)
        if node.tag.lower() == "url" and node.text:
            out.append(node.text[:2000])
        todo.extend(node.children)
    return out


def _refusal(root: XmlElement, platform: str | None) -> Problem | None:
    if root.tag != "report":
        return Problem(root.line, "report", Reason.BAD_REPORT, root.tag, True)
    if not platform:
        return Problem(root.line, "reporter/espName", Reason.MISSING_VALUE, None, True)
    person = root.find(PERSON)
    key = None if person is None else (person.value("espIdentifier") or person.value("screenName"))
    line = root.line if person is None else person.line
    if not key:
        return Problem(line, f"{PERSON}/espIdentifier", Reason.MISSING_VALUE, None, True)
    if len(key) > MAX_ID:
        return Problem(line, f"{PERSON}/espIdentifier", Reason.TOO_LONG, key, True)
    if "\x00" in key:
        return Problem(line, f"{PERSON}/espIdentifier", Reason.NUL_BYTE, key, True)
    return None


def report_id_of(root: XmlElement) -> str | None:
    """The NCMEC report id written in a document (``reportId``), if any."""
    value = root.value("reportId")
    return value[:MAX_ID] if value and "\x00" not in value else None


def map_report(
    root: XmlElement, *, platform: str | None = None, report_id: str | None = None
) -> MappedReport:
    """Map one parsed report; ``refusal`` is set when it cannot become an account.

    ``platform`` and ``report_id`` are what the delivery says (manifest or layout); the
    report's own elements are the fallback.
    """
    report = MappedReport(line=root.line)
    provider = (platform or _platform(root) or "")[:MAX_ID]
    report.refusal = _refusal(root, provider)
    if report.refusal is not None:
        return report
    person = root.find(PERSON)
    assert person is not None
    report.platform = provider
    report.report_id = report_id or report_id_of(root)
    report.account_key = person.value("espIdentifier") or person.value("screenName") or ""
    _summary(report, root)
    urls = _urls(root)
    if urls:
        report.record["internet_urls"] = urls
    map_record(report, root)
    map_person(report, person)
    map_files(report, root)
    return report


def map_file_document(root: XmlElement) -> tuple[MappedReport, FileRecord | None]:
    """A ``fileDetails`` document: its report id, upload logins, problems and file record.

    The record's time may still be None (its report's incident time fills it in).
    """
    holder = MappedReport(line=root.line, report_id=report_id_of(root))
    return holder, map_file(holder, root, 1)
