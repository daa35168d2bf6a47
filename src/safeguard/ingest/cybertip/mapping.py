"""One CyberTipline report (an :class:`XmlElement` tree) -> our records, checked.

Pure: no store, no files. A report becomes one account of the reporting service (the
reporter's ESP name is the platform, ``espIdentifier`` or else ``screenName`` the account
id), its identifiers, its IP capture events (logins) and its file events (uploads). A report
without a reporting service or a reported user's id is refused.
"""

from __future__ import annotations

from safeguard.ingest.cybertip.files import map_files
from safeguard.ingest.cybertip.model import (
    MAX_ID,
    PERSON,
    MappedReport,
    Problem,
    text,
    timestamp,
)
from safeguard.ingest.cybertip.person import map_person
from safeguard.ingest.reasons import Reason
from safeguard.ingest.xmltree import XmlElement

__all__ = ["map_report"]

_PLATFORM_PATHS = ("reporter/espName", "reporter/companyName", "reporter/reportingPerson/company")


def _platform(root: XmlElement) -> str | None:
    for path in _PLATFORM_PATHS:
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
        report.attributes["incident_type"] = kind
    el = summary.find("incidentDateTime")
    when, reason = timestamp(el)
    if when is not None:
        report.incident_time = when
        report.attributes["incident_datetime"] = when.isoformat()
    elif el is not None and reason is not Reason.MISSING_VALUE:
        assert reason is not None
        report.drop(el.line, "incidentSummary/incidentDateTime", reason, el.text)


def _urls(root: XmlElement) -> list[str]:
    details = root.find("internetDetails")
    out: list[str] = []
    todo = [] if details is None else list(details.children)
    while todo and len(out) < 100:
        node = todo.pop(0)
        if node.tag.lower() == "url" and node.text:
            out.append(node.text[:2000])
        todo.extend(node.children)
    return out


def _refusal(root: XmlElement) -> Problem | None:
    if root.tag != "report":
        return Problem(root.line, "report", Reason.BAD_REPORT, root.tag, True)
    if not _platform(root):
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


def map_report(root: XmlElement) -> MappedReport:
    """Map one parsed report; ``refusal`` is set when it cannot become an account."""
    report = MappedReport(line=root.line)
    report.refusal = _refusal(root)
    if report.refusal is not None:
        return report
    person = root.find(PERSON)
    assert person is not None
    report.platform = _platform(root) or ""
    report.account_key = person.value("espIdentifier") or person.value("screenName") or ""
    _summary(report, root)
    urls = _urls(root)
    if urls:
        report.attributes["internet_urls"] = urls
    map_person(report, person)
    map_files(report, root)
    return report
