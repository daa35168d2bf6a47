"""Storing mapped CyberTipline reports through the ingest context (inside its transaction).

Reports about the same user of the same service (same provider and ``espIdentifier``) become
one account, and each report stays a ``cybertip_report`` row of its own with its NCMEC report
id; an account already in the operation from an earlier delivery gets the new reports'
identifiers and events. A report's ``fileDetails`` documents arrive with it
(:class:`ReportDoc`). Per document, ``accepted`` counts stored records (the account and
each event; for a ``fileDetails`` document, its file event and upload IPs) and
``quarantined`` refused ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from safeguard.ingest.context import IngestContext
from safeguard.ingest.cybertip.mapping import map_report
from safeguard.ingest.cybertip.model import FileRecord, MappedReport, Problem
from safeguard.ingest.normalise import normalise_username
from safeguard.ingest.quarantine import raw_text
from safeguard.ingest.reasons import Reason
from safeguard.ingest.xmltree import BadXml, XmlElement
from safeguard.store.bulk import bulk_insert, json_text, ts_text

__all__ = ["FileDoc", "ReportDoc", "quarantine", "store_reports"]

_ACCOUNT_COLUMNS = (
    "operation_id", "delivery_id", "platform", "platform_account_id", "username",
    "username_norm", "display_name", "email", "phone", "date_of_birth", "declared_country",
    "declared_city", "declared_postcode", "declared_district", "bio", "attributes",
)  # fmt: skip
_COLUMNS = {
    "identifier": ("account_id", "delivery_id", "kind", "value", "norm", "alt_norm"),
    "login_event": ("account_id", "delivery_id", "ts", "ip", "kind", "port"),
    "file_event": ("account_id", "delivery_id", "platform_event_id", "ts", "direction",
                   "file_name", "md5", "sha1", "sha256", "sha512", "pdq"),
    "cybertip_report": ("account_id", "delivery_id", "report_id", "file", "incident_type",
                        "incident_ts", "attributes"),
}  # fmt: skip
_RECORDS = {"identifier": "identifiers", "login_event": "login_events",
            "file_event": "file_events", "cybertip_report": "reports"}  # fmt: skip
_LIST_ATTRS = ("display_names", "profile_urls", "addresses", "device_ids", "cybertip_reports",
               "ncmec_report_ids")  # fmt: skip
Key = tuple[str, str]


@dataclass
class FileDoc:
    """A mapped ``fileDetails`` document: upload IPs and problems in ``holder``."""

    file: str
    holder: MappedReport
    record: FileRecord | None


@dataclass
class ReportDoc:
    """A report document, what the delivery says about it, and its ``fileDetails``."""

    file: str
    tree: XmlElement | BadXml
    report_id: str | None = None
    platform: str | None = None
    files: list[FileDoc] = field(default_factory=list)


def quarantine(ctx: IngestContext, file: str, problem: Problem) -> None:
    """Write ``problem`` of ``file`` to the quarantine and count it."""
    raw = raw_text({"file": file, "line": problem.line, "element": problem.column,
                    "value": problem.value})  # fmt: skip
    ctx.quarantine.add(
        file, problem.line, problem.column, problem.reason, value=problem.value, raw=raw
    )
    counts = ctx.counts(file)
    if problem.refused:
        counts.quarantined += 1
    else:
        counts.values_dropped += 1


def _refuse_files(ctx: IngestContext, doc: ReportDoc) -> None:
    for fd in doc.files:
        ctx.counts(fd.file)
        why = f"its report {doc.file} was refused"
        quarantine(ctx, fd.file, Problem(fd.holder.line, "reportId", Reason.UNKNOWN_REPORT,
                                         why, True))  # fmt: skip


def _mapped(ctx: IngestContext, doc: ReportDoc) -> MappedReport | None:
    if isinstance(doc.tree, BadXml):
        problem = Problem(doc.tree.line, "report", Reason.BAD_REPORT, doc.tree.detail, True)
        quarantine(ctx, doc.file, problem)
        _refuse_files(ctx, doc)
        return None
    report = map_report(doc.tree, platform=doc.platform, report_id=doc.report_id)
    for problem in report.problems:
        quarantine(ctx, doc.file, problem)
    if report.refusal is not None:
        quarantine(ctx, doc.file, report.refusal)
        _refuse_files(ctx, doc)
        return None
    report.problems = []
    _untimed(ctx, doc.file, report, report)
    return report


def _untimed(ctx: IngestContext, file: str, part: MappedReport, report: MappedReport) -> None:
    """Give ``part``'s IP captures and files without a time the report's incident time;
    refuse those that still have none."""
    column = "ipCaptureEvent/dateTime"
    for login in part.logins:
        login.ts = login.ts or report.incident_time
    for login in [e for e in part.logins if e.ts is None]:
        quarantine(ctx, file, Problem(login.line, column, Reason.MISSING_VALUE, None, True))
    part.logins = [e for e in part.logins if e.ts is not None]
    for record in part.files:
        record.ts = record.ts or report.incident_time
    for record in [f for f in part.files if f.ts is None]:
        quarantine(ctx, file, Problem(record.line, column, Reason.MISSING_VALUE, None, True))
    part.files = [f for f in part.files if f.ts is not None]


def _attach(ctx: IngestContext, report: MappedReport, fd: FileDoc) -> MappedReport:
    """A ``fileDetails`` document as a part of ``report`` (its file event and upload IPs)."""
    ctx.counts(fd.file)
    for problem in fd.holder.problems:
        quarantine(ctx, fd.file, problem)
    part = MappedReport(line=fd.holder.line, logins=fd.holder.logins)
    part.identifiers = fd.holder.identifiers
    if fd.record is not None:
        part.files = [fd.record]
    _untimed(ctx, fd.file, part, report)
    return part


def _event_id(report: MappedReport, record: FileRecord) -> str:
    """``<reportId>:<fileId>`` (a file id is unique within its report only)."""
    return f"{report.report_id}:{record.event_id}"[:200] if report.report_id else record.event_id


def _merge_attrs(attrs: dict[str, Any], new: dict[str, Any]) -> None:
    """First value of each attribute wins; list attributes gather every distinct value."""
    for name, value in new.items():
        if name in _LIST_ATTRS and isinstance(value, list):
            have = attrs.setdefault(name, [])
            have.extend(v for v in value if v not in have)
        else:
            attrs.setdefault(name, value)


def _merge(acct: dict[str, Any], file: str, report: MappedReport, parts: list[Any]) -> None:
    """Fold one report (and its ``fileDetails`` parts) into the account it describes."""
    for name, value in report.account.items():
        acct["account"].setdefault(name, value)
    extra: dict[str, Any] = {"cybertip_reports": [file]}
    if report.report_id:
        extra["ncmec_report_ids"] = [report.report_id]
    _merge_attrs(acct["attributes"], {**report.attributes, **extra})
    attrs = acct["attributes"]
    logins = [e for _f, p in [(file, report), *parts] for e in p.logins]
    proxies = {login.ip for login in logins if login.possible_proxy}
    if proxies:
        attrs["possible_proxy_ips"] = sorted(set(attrs.get("possible_proxy_ips", [])) | proxies)
    records = [r for _f, p in [(file, report), *parts] for r in p.files]
    for record in records:
        record.event_id = _event_id(report, record)
    details = {r.event_id: r.details for r in records if r.details}
    if details:
        attrs.setdefault("file_details", {}).update(details)
    report.record["file_events"] = [r.event_id for r in records]
    acct["reports"].append((file, report, True))
    acct["reports"].extend((f, p, False) for f, p in parts)


def _account_row(ctx: IngestContext, key: Key, acct: dict[str, Any]) -> tuple[Any, ...]:
    a = acct["account"]
    born = a.get("date_of_birth")
    return (
        ctx.operation_id, ctx.delivery_id, key[0], key[1], a.get("username"),
        normalise_username(a.get("username")), a.get("display_name"), a.get("email"),
        a.get("phone"), born.isoformat() if born else None, a.get("declared_country"),
        a.get("declared_city"), a.get("declared_postcode"), a.get("declared_district"),
        a.get("bio"), json_text(acct["attributes"]),
    )  # fmt: skip


def _account_ids(ctx: IngestContext, keys: set[Key]) -> dict[Key, int]:
    """Our ids of the accounts ``keys`` (platform, platform id) already in the operation."""
    rows = ctx.conn.execute(
        text("SELECT platform, platform_account_id, id FROM account WHERE operation_id = :o"),
        {"o": ctx.operation_id},
    )
    return {(p, k): i for p, k, i in rows if (p, k) in keys}


def _store_accounts(ctx: IngestContext, accounts: dict[Key, dict[str, Any]]) -> dict[Key, int]:
    known = _account_ids(ctx, set(accounts))
    ctx.records["accounts_already_known"] += len(known)
    new = [_account_row(ctx, k, a) for k, a in accounts.items() if k not in known]
    ctx.records["accounts"] += bulk_insert(ctx.conn, "account", _ACCOUNT_COLUMNS, new)
    return _account_ids(ctx, set(accounts))


def _report_row(acct_id: int, d: int, file: str, r: MappedReport) -> tuple[Any, ...]:
    when = ts_text(r.incident_time) if r.incident_time else None
    kind = r.record.pop("incident_type", None)
    return (acct_id, d, r.report_id, file, kind, when, json_text(r.record))


def _event_rows(ctx: IngestContext, acct_id: int, parts: list[Any]) -> dict[str, list[Any]]:
    d = ctx.delivery_id
    out: dict[str, list[Any]] = {table: [] for table in _COLUMNS}
    seen: set[tuple[str, str]] = set()
    for file, part, is_report in parts:
        for i in part.identifiers:
            if (i.kind, i.norm) not in seen:
                seen.add((i.kind, i.norm))
                out["identifier"].append((acct_id, d, i.kind, i.value, i.norm, i.alt_norm))
        for e in part.logins:
            out["login_event"].append((acct_id, d, ts_text(e.ts), e.ip, e.kind, e.port))
        for f in part.files:
            h = f.hashes
            out["file_event"].append((acct_id, d, f.event_id, ts_text(f.ts), "upload",
                                      f.file_name, h.get("md5"), h.get("sha1"), h.get("sha256"),
                                      h.get("sha512"), h.get("pdq")))  # fmt: skip
        if is_report:
            out["cybertip_report"].append(_report_row(acct_id, d, file, part))
        ctx.counts(file).accepted += int(is_report) + len(part.logins) + len(part.files)
    return out


def _store_events(
    ctx: IngestContext, accounts: dict[Key, dict[str, Any]], ids: dict[Key, int]
) -> None:
    rows: dict[str, list[Any]] = {table: [] for table in _COLUMNS}
    for key, acct in accounts.items():
        for table, found in _event_rows(ctx, ids[key], acct["reports"]).items():
            rows[table].extend(found)
    for table, found in rows.items():
        ctx.records[_RECORDS[table]] += bulk_insert(ctx.conn, table, _COLUMNS[table], found)


def store_reports(
    ctx: IngestContext,
    docs: Iterable[ReportDoc],
    advance: Callable[[int], None] = lambda n: None,
) -> int:
    """Map, check and store every report document; bad ones go to the quarantine.

    Returns the number of reports stored."""
    accounts: dict[Key, dict[str, Any]] = {}
    for doc in docs:
        ctx.counts(doc.file)
        report = _mapped(ctx, doc)
        if report is not None:
            parts = [(fd.file, _attach(ctx, report, fd)) for fd in doc.files]
            key = (report.platform, report.account_key)
            acct = accounts.setdefault(key, {"account": {}, "attributes": {}, "reports": []})
            _merge(acct, doc.file, report, parts)
        advance(1)
    ids = _store_accounts(ctx, accounts)
    _store_events(ctx, accounts, ids)
    return sum(1 for a in accounts.values() for _f, _p, is_report in a["reports"] if is_report)
