"""The international referral list: each non-UK person once, with their accounts nested.

A *person* is a subject (after resolve) or, for an account in no subject, the account alone.
Each entry carries the person's country decision, tier, known material by UK category and
the evidence in brief, so a partner can prioritise. People that nothing places (no country:
only anonymous IPs, or no evidence at all) are *unlocated*: they are listed apart for the
analyst, never under a country.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from safeguard.attribute.combine import UK
from safeguard.attribute.record import unlocated_of
from safeguard.store.db import Store
from safeguard.store.models import (
    Account,
    AccountMaterial,
    Assessment,
    Attribution,
    Subject,
    SubjectAccount,
)

__all__ = [
    "CSV_COLUMNS",
    "Referral",
    "ReferralAccount",
    "neutralise",
    "referral_list",
    "referrals_csv",
    "referrals_json",
    "unlocated_list",
]

#: Columns of ``safeguard referrals --format csv``, in order. Stable: partners parse them.
CSV_COLUMNS = (
    "country",
    "kind",
    "reference",
    "accounts",
    "account_refs",
    "usernames",
    "confidence",
    "score",
    "unlocated",
    "tier",
    "files_a",
    "files_b",
    "files_c",
    "ips",
    "logins",
    "first_seen",
    "last_seen",
    "phones",
    "sources",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ReferralAccount:
    """One account of a referred person, with its own account-level country decision."""

    reference: str
    platform: str
    platform_account_id: str
    username: str
    country: str | None
    confidence: str


@dataclass(frozen=True)
class Referral:
    """One person: their country, accounts, tier, material by category, evidence in brief.

    ``kind`` is ``subject`` (``reference`` its label) or ``account`` (an account in no
    subject, ``reference`` = ``platform:id``). ``files_a/b/c`` add up the known files of
    each category over the person's accounts. ``unlocated`` says why nothing places an
    unlocated person (``anonymous-only`` or ``no-evidence``); empty otherwise.
    """

    country: str
    kind: str
    reference: str
    accounts: tuple[ReferralAccount, ...]
    confidence: str
    score: float
    unlocated: str
    tier: str
    files_a: int
    files_b: int
    files_c: int
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


@dataclass
class _Facts:
    """What the list is built from, read once per operation."""

    accounts: dict[int, ReferralAccount]
    material: dict[int, tuple[int, int, int]]
    members: dict[int, list[int]]
    labels: dict[int, str]
    tiers: dict[int, str]
    by_account: dict[int, Attribution]
    by_subject: dict[int, Attribution]


def _accounts(s: Session, op_id: int, by_account: Mapping[int, Attribution]) -> dict[int, Any]:
    query = select(Account.id, Account.platform, Account.platform_account_id, Account.username)
    out = {}
    for aid, platform, pid, username in s.execute(query.where(Account.operation_id == op_id)):
        attr = by_account.get(aid)
        country, confidence = (attr.country, attr.confidence) if attr else (None, "none")
        out[aid] = ReferralAccount(
            f"{platform}:{pid}", platform, pid, username or "", country, confidence
        )
    return out


def _load(s: Session, op_id: int) -> _Facts:
    rows = s.scalars(select(Attribution).where(Attribution.operation_id == op_id)).all()
    by_account = {int(r.account_id): r for r in rows if r.account_id and not r.subject_id}
    by_subject = {int(r.subject_id): r for r in rows if r.subject_id and not r.account_id}
    members: dict[int, list[int]] = defaultdict(list)
    labels: dict[int, str] = {}
    query = (
        select(Subject.id, Subject.label, SubjectAccount.account_id)
        .join(SubjectAccount, SubjectAccount.subject_id == Subject.id)
        .where(Subject.operation_id == op_id)
        .order_by(Subject.id, SubjectAccount.account_id)
    )
    for sid, label, aid in s.execute(query):
        members[sid].append(aid)
        labels[sid] = label
    tier = func.coalesce(Assessment.override_tier, Assessment.tier)
    query_tiers = select(Assessment.subject_id, tier).where(Assessment.operation_id == op_id)
    tiers = {int(sid): str(t) for sid, t in s.execute(query_tiers)}
    material = {
        aid: (a, b, c)
        for aid, a, b, c in s.execute(
            select(
                AccountMaterial.account_id,
                AccountMaterial.files_a,
                AccountMaterial.files_b,
                AccountMaterial.files_c,
            ).where(AccountMaterial.operation_id == op_id)
        )
    }
    return _Facts(
        _accounts(s, op_id, by_account), material, members, labels, tiers, by_account, by_subject
    )


def _entry(
    who: tuple[str, str, str], account_ids: Sequence[int], attr: Attribution, f: _Facts
) -> Referral:
    """``who`` is (kind, reference, tier)."""
    kind, reference, tier = who
    country = attr.country or ""
    counts = [f.material.get(a, (0, 0, 0)) for a in account_ids]
    return Referral(
        country=country,
        kind=kind,
        reference=reference,
        accounts=tuple(f.accounts[a] for a in account_ids if a in f.accounts),
        confidence=attr.confidence,
        score=attr.score,
        unlocated=unlocated_of(attr.evidence) or ("no-evidence" if not country else ""),
        tier=tier,
        files_a=sum(c[0] for c in counts),
        files_b=sum(c[1] for c in counts),
        files_c=sum(c[2] for c in counts),
        **_brief(attr.evidence, country),
    )


def _people(f: _Facts) -> Iterable[Referral]:
    """Every person once: attributed subjects, then accounts not in an attributed subject."""
    covered: set[int] = set()
    for sid, accounts in f.members.items():
        attr = f.by_subject.get(sid)
        if attr is not None:
            covered.update(accounts)
            yield _entry(("subject", f.labels[sid], f.tiers.get(sid, "")), accounts, attr, f)
    for aid, attr in f.by_account.items():
        if aid not in covered and aid in f.accounts:
            yield _entry(("account", f.accounts[aid].reference, ""), [aid], attr, f)


def _all(store: Store, operation: str) -> list[Referral]:
    op_id = store.operation_id(operation)
    with store.session() as session:
        return list(_people(_load(session, op_id)))


def referral_list(store: Store, operation: str) -> list[Referral]:
    """Non-UK people (country decided, not ``GB``), ordered by country, subjects first."""
    rows = [r for r in _all(store, operation) if r.country and r.country != UK]
    return sorted(rows, key=lambda r: (r.country, r.kind != "subject", r.reference))


def unlocated_list(store: Store, operation: str) -> list[Referral]:
    """People with no country (for the analyst: never referred, never sent to a force)."""
    rows = [r for r in _all(store, operation) if not r.country]
    return sorted(rows, key=lambda r: (r.kind != "subject", r.reference))


def neutralise(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _cells(row: Referral) -> dict[str, Any]:
    values = asdict(row)
    values["accounts"] = len(row.accounts)
    values["account_refs"] = " ".join(a.reference for a in row.accounts)
    values["usernames"] = " ".join(a.username for a in row.accounts if a.username)
    return values


def referrals_csv(rows: Iterable[Referral]) -> str:
    """One CSV row per person; their accounts as space-separated ``platform:id``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        values = _cells(row)
        writer.writerow([neutralise(values[c]) for c in CSV_COLUMNS])
    return out.getvalue()


def referrals_json(
    operation: str, rows: Iterable[Referral], unlocated: Iterable[Referral] = ()
) -> dict[str, Any]:
    """``{"operation", "countries": [{"country", "people", "accounts", "entries"}],
    "unlocated": {"people", "entries"}}``; each entry nests its ``accounts``."""
    grouped: dict[str, list[Referral]] = {}
    for row in rows:
        grouped.setdefault(row.country, []).append(row)
    countries = [
        {
            "country": country,
            "people": len(entries),
            "accounts": sum(len(r.accounts) for r in entries),
            "entries": [asdict(r) for r in entries],
        }
        for country, entries in sorted(grouped.items())
    ]
    apart = [asdict(r) for r in unlocated]
    return {
        "operation": operation,
        "countries": countries,
        "unlocated": {"people": len(apart), "entries": apart},
    }
