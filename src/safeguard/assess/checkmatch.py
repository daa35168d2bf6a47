"""Matching police-checks returns to subjects through every identifier they carry.

Exact keys: the request reference (``safeguard checks request``), a platform account id, an
e-mail (canonical mailbox: a provider's dot/+tag forms are one), a phone (E.164). Fuzzy keys,
compared with ``assess/names.py``: name with date of birth (blocked on the date or its
day/month swap, across all the subject's accounts), postcode with name. Each match keeps a
score and the fields that agreed. A row that meets one subject with a score at or above
:data:`MATCHED` is ``matched``; one that meets more than one subject, or scores between
:data:`POSSIBLE` and :data:`MATCHED`, is a ``possible`` match for an analyst to verify, never
silently in or out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from safeguard.assess.names import (
    PersonName,
    dob_agreement,
    forename_agreement,
    parse_name,
    surname_agreement,
    swapped,
)
from safeguard.store.models import Account, Identifier, Subject, SubjectAccount

__all__ = ["MATCHED", "POSSIBLE", "Match", "SubjectKeys", "load_subject_keys", "match_row"]

MATCHED = 0.9
POSSIBLE = 0.7
_EXACT_KINDS = ("email", "phone", "account_id", "reference")


@dataclass(frozen=True)
class Match:
    subject_id: int
    status: str  # matched | possible
    score: float
    fields: tuple[str, ...]


@dataclass
class SubjectKeys:
    """The keys a returns row can meet, built from every account of every subject."""

    exact: dict[tuple[str, str], set[int]] = field(default_factory=lambda: defaultdict(set))
    raw_names: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    dobs: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_dob: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_postcode: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))

    def add_name(self, sid: int, text: str | None) -> None:
        if text and " " in text.strip():
            self.raw_names[sid].add(text)

    def names(self, sid: int) -> set[PersonName]:
        """The subject's names, parsed only when a row's blocking key meets the subject."""
        parsed = (parse_name(t) for t in self.raw_names.get(sid, ()))
        return {n for n in parsed if n is not None}


def request_reference(op_id: int, label: str) -> str:
    """The reference a checks request gives a subject; returns quote it back."""
    return f"SG{op_id}-{label}"


def _chunks(values: set[Any], size: int = 500) -> Iterator[list[Any]]:
    ordered = sorted(values, key=str)
    for i in range(0, len(ordered), size):
        yield ordered[i : i + size]


def _row_keys(rows: Sequence[Any]) -> tuple[dict[str, set[str]], set[str], set[date]]:
    """The rows' identifier keys by kind, platform account ids, and dates of birth (with
    their day/month swaps)."""
    by_kind: dict[str, set[str]] = defaultdict(set)
    dates: set[date] = set()
    for r in rows:
        if r.kind == "name_dob":
            dob = str(r.value).rpartition("|")[2].strip()
            for d in (dob, swapped(dob)):
                with suppress(ValueError, TypeError):
                    dates.add(date.fromisoformat(str(d)))
        else:
            by_kind[str(r.kind)].add(str(r.norm))
    return by_kind, by_kind.pop("account_id", set()), dates


def _candidates(conn: Connection, op_id: int, rows: Sequence[Any]) -> set[int]:
    """Subjects any of ``rows`` could meet: one pass over the operation's identifiers and
    accounts, testing each against the rows' keys (cheaper than an index probe per key)."""
    by_kind, platform, dates = _row_keys(rows)
    postcodes = by_kind.get("postcode", set())
    accounts: set[int] = set()
    kinds = [k for k in ("email", "phone", "postcode") if by_kind.get(k)]
    if kinds:
        q = (
            select(Identifier.account_id, Identifier.kind, Identifier.norm, Identifier.alt_norm)
            .join(Account, Account.id == Identifier.account_id)
            .where(Account.operation_id == op_id, Identifier.kind.in_(kinds))
        )
        for account_id, kind, norm, alt in conn.execute(q):
            if norm in by_kind[kind] or (alt is not None and alt in by_kind[kind]):
                accounts.add(int(account_id))
    if platform or postcodes or dates:
        q2 = select(Account.id, Account.platform_account_id, Account.declared_postcode,
                    Account.date_of_birth).where(Account.operation_id == op_id)  # fmt: skip
        for account_id, pid, postcode, dob in conn.execute(q2):
            pc = " ".join((postcode or "").upper().split())
            if pid in platform or pc in postcodes or dob in dates:
                accounts.add(int(account_id))
    q3 = (
        select(SubjectAccount.account_id, SubjectAccount.subject_id, Subject.label)
        .join(Subject, Subject.id == SubjectAccount.subject_id)
        .where(Subject.operation_id == op_id)
    )
    labels = {str(n).partition("-")[2] for n in by_kind.get("reference", set())}
    return {int(sid) for aid, sid, label in conn.execute(q3) if aid in accounts or label in labels}


def load_subject_keys(
    conn: Connection, op_id: int, rows: Sequence[Any] | None = None
) -> SubjectKeys:
    """The keys of every subject (``rows`` None) or of those ``rows`` could meet."""
    keys = SubjectKeys()
    wanted = None if rows is None else _candidates(conn, op_id, rows)
    for chunk in [None] if wanted is None else _chunks(wanted):
        _accounts(conn, op_id, keys, chunk)
        _identifiers(conn, op_id, keys, chunk)
    return keys


def _accounts(conn: Connection, op_id: int, keys: SubjectKeys, sids: list[int] | None) -> None:
    q = (
        select(SubjectAccount.subject_id, Subject.label, Account.platform_account_id,
               Account.display_name, Account.date_of_birth, Account.declared_postcode)
        .join(Subject, Subject.id == SubjectAccount.subject_id)
        .join(Account, Account.id == SubjectAccount.account_id)
        .where(Subject.operation_id == op_id)
    )  # fmt: skip
    if sids is not None:
        q = q.where(Subject.id.in_(sids))
    for sid, label, platform_id, name, dob, postcode in conn.execute(q):
        keys.exact[("account_id", str(platform_id))].add(sid)
        keys.exact[("reference", request_reference(op_id, label))].add(sid)
        keys.add_name(sid, name)
        if dob is not None:
            keys.dobs[sid].add(dob.isoformat())
            keys.by_dob[dob.isoformat()].add(sid)
        if postcode:
            keys.by_postcode[" ".join(postcode.upper().split())].add(sid)


def _identifiers(conn: Connection, op_id: int, keys: SubjectKeys, sids: list[int] | None) -> None:
    q = (
        select(SubjectAccount.subject_id, Identifier.kind, Identifier.norm, Identifier.alt_norm,
               Identifier.value)
        .join(Identifier, Identifier.account_id == SubjectAccount.account_id)
        .join(Subject, Subject.id == SubjectAccount.subject_id)
        .where(Subject.operation_id == op_id,
               Identifier.kind.in_(("email", "phone", "postcode", "name")))
    )  # fmt: skip
    if sids is not None:
        q = q.where(Subject.id.in_(sids))
    for sid, kind, norm, alt, value in conn.execute(q):
        if kind in ("email", "phone"):
            keys.exact[(kind, alt or norm)].add(sid)
            keys.exact[(kind, norm)].add(sid)
        elif kind == "postcode":
            keys.by_postcode[norm].add(sid)
        else:
            keys.add_name(sid, value)


def _name_score(police: PersonName, names: set[PersonName]) -> tuple[float, float]:
    """Best (forename, surname) agreement of a police name with a subject's names."""
    best = (0.0, 0.0)
    for name in names:
        pair = (forename_agreement(police, name), surname_agreement(police, name))
        if sum(pair) > sum(best):
            best = pair
    return best


def _name_dob(keys: SubjectKeys, value: str) -> list[Match]:
    name_text, _, dob = value.partition("|")
    police = parse_name(name_text)
    if police is None:
        return []
    dob = dob.strip()
    candidates = keys.by_dob.get(dob, set()) | keys.by_dob.get(swapped(dob) or "", set())
    out = []
    for sid in candidates:
        dob_score = max(dob_agreement(dob, d) for d in keys.dobs[sid])
        fore, sur = _name_score(police, keys.names(sid))
        score = round(0.4 * dob_score + 0.35 * sur + 0.25 * fore, 3)
        fields = [f for f, s in (("date_of_birth", dob_score), ("surname", sur),
                                 ("forename", fore)) if s > 0]  # fmt: skip
        if score >= POSSIBLE:
            out.append(Match(sid, "", score, tuple(fields)))
    return out


def _postcode_name(keys: SubjectKeys, postcode: str, name_text: str) -> list[Match]:
    police = parse_name(name_text)
    if police is None:
        return []
    out = []
    for sid in keys.by_postcode.get(postcode, set()):
        fore, sur = _name_score(police, keys.names(sid))
        score = round(0.4 + 0.35 * sur + 0.25 * fore, 3)
        fields = ["postcode", *(["surname"] if sur else []), *(["forename"] if fore else [])]
        if score >= POSSIBLE and sur > 0:
            out.append(Match(sid, "", score, tuple(fields)))
    return out


def _decide(found: list[Match]) -> list[Match]:
    """One subject at or above MATCHED is matched; anything else found is possible."""
    sure = [m for m in found if m.score >= MATCHED]
    if len(sure) == 1 and len({m.subject_id for m in found}) == 1:
        return [Match(sure[0].subject_id, "matched", sure[0].score, sure[0].fields)]
    return [Match(m.subject_id, "possible", m.score, m.fields) for m in found]


def match_row(keys: SubjectKeys, row: Any) -> list[Match]:
    """Every subject a stored returns row (``check_finding``) meets, matched or possible."""
    kind, norm = str(row.kind), str(row.norm)
    if kind in _EXACT_KINDS:
        sids = keys.exact.get((kind, norm), set())
        return _decide([Match(s, "", 1.0, (kind,)) for s in sorted(sids)])
    if kind == "name_dob":
        return _decide(_name_dob(keys, str(row.value)))
    if kind == "postcode":
        name = (row.attributes or {}).get("name") or ""
        return _decide(_postcode_name(keys, norm, str(name)))
    return []
