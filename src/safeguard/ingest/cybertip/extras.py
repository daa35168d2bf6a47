"""Report elements with no column of their own, kept as JSON attributes (nothing lost).

:func:`flatten` turns any element into plain JSON: an element with children becomes an
object of its children (a repeated child becomes a list), XML attributes are kept under
``@name``, an empty element with no attributes (a presence flag such as ``<sextortion/>``)
becomes ``true``, and a leaf becomes its text.
"""

from __future__ import annotations

from typing import Any

from safeguard.ingest.cybertip.model import MappedReport
from safeguard.ingest.xmltree import XmlElement

__all__ = ["flags", "flatten", "keep_rest", "map_record"]

_MAX_VALUE = 100_000
#: ``report`` children read into their own places (everything else goes to ``other``).
_REPORT_READ = {"incidentSummary", "internetDetails", "personOrUserReported", "fileDetails",
                "additionalInfo", "reportId"}  # fmt: skip
_SUMMARY_READ = {"incidentType", "incidentDateTime", "reportAnnotations"}


def flatten(el: XmlElement) -> Any:
    """``el`` as plain JSON (see the module's docstring)."""
    if not el.children:
        if el.attrs:
            return {**{f"@{k}": v for k, v in el.attrs.items()}, "text": el.text[:_MAX_VALUE]}
        return el.text[:_MAX_VALUE] if el.text else True
    out: dict[str, Any] = {f"@{k}": v for k, v in el.attrs.items()}
    for child in el.children:
        _put(out, child.tag, flatten(child))
    return out


def flags(el: XmlElement | None) -> list[str]:
    """The names of the presence flags set under ``el`` (``<sextortion/>`` or ``true``)."""
    if el is None:
        return []
    return [c.tag for c in el.children if c.text.lower() in ("", "true", "1")]


def _put(into: dict[str, Any], tag: str, value: Any) -> None:
    """``into[tag] = value``; a tag seen again becomes a list of its values."""
    if tag not in into:
        into[tag] = value
        return
    previous = into[tag]
    into[tag] = [*previous, value] if isinstance(previous, list) else [previous, value]


def keep_rest(into: dict[str, Any], el: XmlElement, read: set[str]) -> None:
    """Every child of ``el`` whose tag is not in ``read``, flattened into ``into``."""
    for child in el.children:
        if child.tag not in read:
            _put(into, child.tag, flatten(child))


def map_record(report: MappedReport, root: XmlElement) -> None:
    """What this report alone says, for its ``cybertip_report`` row's ``attributes``."""
    record = report.record
    summary = root.find("incidentSummary")
    if summary is not None:
        annotations = flags(summary.find("reportAnnotations"))
        if annotations:
            record["report_annotations"] = annotations
        keep_rest(record, summary, _SUMMARY_READ)
    details = [flatten(el) for el in root.findall("internetDetails")]
    if details:
        record["internet_details"] = details
    info = root.value("additionalInfo")
    if info:
        record["additional_info"] = info[:_MAX_VALUE]
    other: dict[str, Any] = {}
    keep_rest(other, root, _REPORT_READ)
    if other:
        record["other"] = other
