"""Storing mapped CyberTipline reports through the ingest context (inside its transaction).

Reports about the same user of the same service (same ESP name and ``espIdentifier``) become
one account; an account already in the operation from an earlier delivery gets the new
report's identifiers and events. Per report file, ``accepted`` counts stored records (the
account and each event), ``quarantined`` refused ones (a report or an event).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import text

from safeguard.ingest.context import IngestContext
from safeguard.ingest.cybertip.mapping import map_report
from safeguard.ingest.cybertip.model import MappedReport, Problem
from safeguard.ingest.normalise import normalise_username
from safeguard.ingest.quarantine import raw_text
from safeguard.ingest.reasons import Reason
from safeguard.ingest.xmltree import BadXml, XmlElement
from safeguard.store.bulk import bulk_insert, json_text, ts_text

__all__ = ["store_reports"]

_ACCOUNT_COLUMNS = (
    "operation_id", "delivery_id", "platform", "platform_account_id", "username",
    "username_norm", "display_name", "email", "phone", "declared_country", "declared_city",
    "attributes",
)  # fmt: skip
_IDENTIFIER_COLUMNS = ("account_id", "delivery_id", "kind", "value", "norm", "alt_norm")
_LOGIN_COLUMNS = ("account_id", "delivery_id", "ts", "ip", "kind")
_FILE_COLUMNS = (
    "account_id", "delivery_id", "platform_event_id", "ts", "direction", "file_name",
    "md5", "sha1", "sha256", "pdq",
)  # fmt: skip
Key = tuple[str, str]


def _quarantine(ctx: IngestContext, file: str, problem: Problem) -> None:
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


def _mapped(ctx: IngestContext, file: str, tree: XmlElement | BadXml) -> MappedReport | None:
    if isinstance(tree, BadXml):
        problem = Problem(tree.line, "report", Reason.BAD_REPORT, tree.detail, True)
        _quarantine(ctx, file, problem)
        return None
    report = map_report(tree)
    for problem in report.problems:
        _quarantine(ctx, file, problem)
    if report.refusal is not None:
        _quarantine(ctx, file, report.refusal)
        return None
    return report


def _merge(into: dict[str, Any], file: str, report: MappedReport) -> None:
    """Fold one report into the account it describes (first value of each field wins)."""
    for name, value in report.account.items():
        into["account"].setdefault(name, value)
    attrs = into["attributes"]
    for name, value in report.attributes.items():
        attrs.setdefault(name, value)
    attrs.setdefault("cybertip_reports", []).append(file)
    proxies = {login.ip for login in report.logins if login.possible_proxy}
    if proxies:
        attrs["possible_proxy_ips"] = sorted(set(attrs.get("possible_proxy_ips", [])) | proxies)
    details = {f.event_id: f.details for f in report.files if f.details}
    if details:
        attrs.setdefault("file_details", {}).update(details)
    into["reports"].append((file, report))


def _account_row(ctx: IngestContext, key: Key, acct: dict[str, Any]) -> tuple[Any, ...]:
    a = acct["account"]
    return (
        ctx.operation_id, ctx.delivery_id, key[0], key[1], a.get("username"),
        normalise_username(a.get("username")), a.get("display_name"), a.get("email"),
        a.get("phone"), a.get("declared_country"), a.get("declared_city"),
        json_text(acct["attributes"]),
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


def _event_rows(ctx: IngestContext, acct_id: int, reports: list[Any]) -> dict[str, list[Any]]:
    d = ctx.delivery_id
    out: dict[str, list[Any]] = {"identifier": [], "login_event": [], "file_event": []}
    seen: set[tuple[str, str]] = set()
    for file, report in reports:
        for i in report.identifiers:
            if (i.kind, i.norm) not in seen:
                seen.add((i.kind, i.norm))
                out["identifier"].append((acct_id, d, i.kind, i.value, i.norm, i.alt_norm))
        for e in report.logins:
            out["login_event"].append((acct_id, d, ts_text(e.ts), e.ip, e.kind))
        for f in report.files:
            h = f.hashes
            out["file_event"].append((acct_id, d, f.event_id, ts_text(f.ts), "upload",
                                      f.file_name, h.get("md5"), h.get("sha1"),
                                      h.get("sha256"), h.get("pdq")))  # fmt: skip
        ctx.counts(file).accepted += 1 + len(report.logins) + len(report.files)
    return out


def _store_events(
    ctx: IngestContext, accounts: dict[Key, dict[str, Any]], ids: dict[Key, int]
) -> None:
    rows: dict[str, list[Any]] = {"identifier": [], "login_event": [], "file_event": []}
    for key, acct in accounts.items():
        for table, found in _event_rows(ctx, ids[key], acct["reports"]).items():
            rows[table].extend(found)
    columns = {"identifier": _IDENTIFIER_COLUMNS, "login_event": _LOGIN_COLUMNS,
               "file_event": _FILE_COLUMNS}  # fmt: skip
    names = {"identifier": "identifiers", "login_event": "login_events",
             "file_event": "file_events"}  # fmt: skip
    for table, found in rows.items():
        ctx.records[names[table]] += bulk_insert(ctx.conn, table, columns[table], found)


def store_reports(
    ctx: IngestContext,
    parsed: Iterable[tuple[str, XmlElement | BadXml]],
    advance: Callable[[int], None] = lambda n: None,
) -> None:
    """Map, check and store every parsed report file; bad ones go to the quarantine."""
    accounts: dict[Key, dict[str, Any]] = {}
    for file, tree in parsed:
        ctx.counts(file)
        report = _mapped(ctx, file, tree)
        if report is not None:
            key = (report.platform, report.account_key)
            acct = accounts.setdefault(key, {"account": {}, "attributes": {}, "reports": []})
            _merge(acct, file, report)
        advance(1)
    ctx.records["reports"] += sum(len(a["reports"]) for a in accounts.values())
    ids = _store_accounts(ctx, accounts)
    _store_events(ctx, accounts, ids)
