"""The international referral list: non-UK accounts and subjects, grouped by country."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguard.attribute.combine import UK
from safeguard.store.db import Store
from safeguard.store.models import Account, Attribution, Subject, SubjectAccount

__all__ = [
    "CSV_COLUMNS",
    "Referral",
    "neutralise",
    "referral_list",
    "referrals_csv",
    "referrals_json",
]

#: Columns of ``safeguard referrals --format csv``, in order. Stable: partners parse them.
CSV_COLUMNS = (
    "country",
    "kind",
    "reference",
    "platform",
    "platform_account_id",
    "username",
    "subject",
    "accounts",
    "confidence",
    "score",
    "ips",
    "logins",
    "first_seen",
    "last_seen",
    "phones",
    "sources",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Referral:
    """One row of the list: a non-UK account or subject with its evidence in brief."""

    country: str
    kind: str
    reference: str
    platform: str
    platform_account_id: str
    username: str
    subject: str
    accounts: int
    confidence: str
    score: float
    ips: int
    logins: int
    first_seen: str
    last_seen: str
    phones: str
    sources: str


def _brief(evidence: Sequence[Mapping[str, Any]], country: str) -> dict[str, Any]:
    """Counts of the evidence that points to ``country``."""
    items = [e for e in evidence if e.get("family") and e.get("country") == country]
    ips = [e for e in items if e["family"] == "ip"]
    firsts = [e["first"] for e in ips if e.get("first")]
    lasts = [e["last"] for e in ips if e.get("last")]
    phones = sorted({str(e["detail"].get("phone")) for e in items if e["family"] == "phone"})
    return {
        "ips": len({e["detail"].get("ip") for e in ips}),
        "logins": sum(int(e.get("observations") or 0) for e in ips),
        "first_seen": min(firsts, default=""),
        "last_seen": max(lasts, default=""),
        "phones": " ".join(phones),
        "sources": " ".join(sorted({str(e["source"]) for e in items})),
    }


def _account_rows(conn: Session, op_id: int) -> Iterable[Referral]:
    subject_of: dict[int, str] = {
        account_id: label
        for account_id, label in conn.execute(
            select(SubjectAccount.account_id, Subject.label)
            .join(Subject, Subject.id == SubjectAccount.subject_id)
            .where(Subject.operation_id == op_id)
        )
    }
    query = (
        select(Attribution, Account.platform, Account.platform_account_id, Account.username)
        .join(Account, Account.id == Attribution.account_id)
        .where(Attribution.operation_id == op_id, Attribution.subject_id.is_(None))
        .where(Attribution.country.is_not(None), Attribution.country != UK)
    )
    for attr, platform, platform_id, username in conn.execute(query):
        country = str(attr.country)
        yield Referral(
            country=country,
            kind="account",
            reference=f"{platform}:{platform_id}",
            platform=platform,
            platform_account_id=platform_id,
            username=username or "",
            subject=subject_of.get(int(attr.account_id or 0), ""),
            accounts=1,
            confidence=attr.confidence,
            score=attr.score,
            **_brief(attr.evidence, country),
        )


def _subject_rows(conn: Session, op_id: int) -> Iterable[Referral]:
    sizes: dict[int, int] = {}
    for (subject_id,) in conn.execute(
        select(SubjectAccount.subject_id)
        .join(Subject, Subject.id == SubjectAccount.subject_id)
        .where(Subject.operation_id == op_id)
    ):
        sizes[subject_id] = sizes.get(subject_id, 0) + 1
    query = (
        select(Attribution, Subject.label)
        .join(Subject, Subject.id == Attribution.subject_id)
        .where(Attribution.operation_id == op_id, Attribution.account_id.is_(None))
        .where(Attribution.country.is_not(None), Attribution.country != UK)
    )
    for attr, label in conn.execute(query):
        country = str(attr.country)
        yield Referral(
            country=country,
            kind="subject",
            reference=label,
            platform="",
            platform_account_id="",
            username="",
            subject=label,
            accounts=sizes.get(int(attr.subject_id or 0), 0),
            confidence=attr.confidence,
            score=attr.score,
            **_brief(attr.evidence, country),
        )


def referral_list(store: Store, operation: str) -> list[Referral]:
    """Non-UK subjects and accounts, ordered by country, subjects first, then reference."""
    op_id = store.operation_id(operation)
    with store.session() as session:
        rows = [*_subject_rows(session, op_id), *_account_rows(session, op_id)]
    return sorted(rows, key=lambda r: (r.country, r.kind != "subject", r.reference))


def neutralise(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def referrals_csv(rows: Iterable[Referral]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        values = asdict(row)
        writer.writerow([neutralise(values[c]) for c in CSV_COLUMNS])
    return out.getvalue()


def referrals_json(operation: str, rows: Iterable[Referral]) -> dict[str, Any]:
    """``{"operation", "countries": [{"country", "subjects", "accounts", "entries"}]}``."""
    grouped: dict[str, list[Referral]] = {}
    for row in rows:
        grouped.setdefault(row.country, []).append(row)
    countries = [
        {
            "country": country,
            "subjects": sum(r.kind == "subject" for r in entries),
            "accounts": sum(r.kind == "account" for r in entries),
            "entries": [asdict(r) for r in entries],
        }
        for country, entries in sorted(grouped.items())
    ]
    return {"operation": operation, "countries": countries}
