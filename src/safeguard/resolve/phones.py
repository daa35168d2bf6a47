"""Phone groups for linking: national-format numbers re-read against each account's regions.

Ingest reads a national number (``07700 900999``) in the declared country and GB only: it
does not know where the account's IPs are yet. Here, after attribution, every phone value
written without ``+`` is read again against its *candidate regions* — the declared country,
the countries of the account's non-anonymous IP evidence (its stored account attribution),
and the operation's home country — keeping every reading worth keeping
(:func:`safeguard.ingest.normalise.phone_readings`). Two accounts are grouped when they share
a reading, so a UK person who declares NZ still links on ``+447700900999``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import Connection

from safeguard.ingest.normalise import HOME_REGION, phone_readings
from safeguard.resolve.facts import IdentifierGroup
from safeguard.resolve.load import raw_rows

__all__ = ["account_ip_countries", "load_phone_groups", "readings_of"]

_PHONES_SQL = """
SELECT i.account_id, i.value, i.norm, a.declared_country
FROM identifier i JOIN account a ON a.id = i.account_id
WHERE a.operation_id = :op AND i.kind = 'phone'
"""

#: Account attributions of accounts with a phone written without ``+``.
_EVIDENCE_SQL = """
SELECT t.account_id, a.declared_country, t.country, t.alternatives, t.evidence
FROM attribution t JOIN account a ON a.id = t.account_id
WHERE t.operation_id = :op AND t.subject_id IS NULL AND t.account_id IN (
  SELECT i.account_id FROM identifier i WHERE i.kind = 'phone' AND substr(i.value, 1, 1) <> '+'
)
"""


def _ip_countries(evidence: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """Countries of the non-anonymous IP entries, heaviest first."""
    weights: dict[str, float] = defaultdict(float)
    for e in evidence:
        if e.get("family") == "ip" and not e.get("anonymous") and e.get("country"):
            weights[str(e["country"])] += float(e.get("weight") or 0.0)
    return tuple(sorted(weights, key=lambda c: (-weights[c], c)))


def _json(raw: Any) -> Any:
    return orjson.loads(raw) if isinstance(raw, str | bytes) else raw


def _voted(country: str | None, alternatives: Any) -> set[str]:
    """The countries with at least 2 % of the account's vote (decision and alternatives)."""
    found = {str(a["country"]) for a in _json(alternatives) or () if a.get("country")}
    return found | ({country} if country else set())


def account_ip_countries(conn: Connection, op_id: int) -> dict[int, tuple[str, ...]]:
    """Account id → countries of its non-anonymous IP evidence, for accounts with a phone
    written without ``+`` whose vote holds a country other than the declared and home ones
    (ingest read the number in those already; a traveller's few foreign logins, under 2 %
    of the vote, do not count). Empty before the attribute stage has run."""
    out: dict[int, tuple[str, ...]] = {}
    for account_id, declared, *decision in raw_rows(conn, _EVIDENCE_SQL, op_id):
        country, alternatives, evidence = decision
        voted = _voted(country, alternatives)
        if voted <= {HOME_REGION, str(declared or "").upper()}:
            continue
        countries = tuple(c for c in _ip_countries(_json(evidence) or []) if c in voted)
        if countries:
            out[int(account_id)] = countries
    return out


@lru_cache(maxsize=65_536)
def _reread(value: str, regions: tuple[str, ...]) -> tuple[str, ...]:
    return phone_readings(value, regions)


def readings_of(
    value: str | None, norm: str, declared: str | None, ip_countries: Sequence[str]
) -> tuple[str, ...]:
    """The readings of one stored phone identifier (its ``norm`` when nothing is to re-read)."""
    if value is None or value.lstrip().startswith("+"):
        return (norm,)
    regions = tuple(dict.fromkeys(r.upper() for r in (declared, *ip_countries) if r and r.strip()))
    if set(regions) <= {HOME_REGION, "UK"}:
        return (norm,)
    return _reread(value, regions) or (norm,)


def load_phone_groups(conn: Connection, op_id: int) -> list[IdentifierGroup]:
    """Groups of accounts sharing a phone reading (one group per distinct set of accounts).

    ``via`` is ``norm`` when every member's stored form is the reading, else ``reading``.
    """
    countries = account_ip_countries(conn, op_id)
    members: dict[str, set[int]] = defaultdict(set)
    stored: dict[str, set[str]] = defaultdict(set)
    for account_id, value, norm, declared in raw_rows(conn, _PHONES_SQL, op_id):
        aid = int(account_id)
        for reading in readings_of(value, str(norm), declared, countries.get(aid, ())):
            members[reading].add(aid)
            stored[reading].add(str(norm))
    groups: list[IdentifierGroup] = []
    seen: set[tuple[int, ...]] = set()
    for reading in sorted(members):
        ids = tuple(sorted(members[reading]))
        if len(ids) < 2 or ids in seen:
            continue
        seen.add(ids)
        via = "norm" if stored[reading] == {reading} else "reading"
        groups.append(IdentifierGroup("phone", reading, ids, via))
    return groups
