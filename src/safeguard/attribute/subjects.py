"""Subject attribution from the accounts' stored attributions, without rebuilding evidence.

A subject of one account takes that account's decision as it is (its evidence entries gain
``account_id``). A subject of several accounts pools its accounts' stored evidence entries
and re-combines them by the same rules: the stored weights are already decayed, so only the
fields the rules read are turned back into :class:`Evidence`, and each output entry is the
stored entry with ``account_id``, its new ``agreement`` and ``disagrees_on``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from safeguard.attribute.combine import UK, decide
from safeguard.attribute.confidence import grade, grounds
from safeguard.attribute.facts import Evidence
from safeguard.attribute.load import json_value, raw_rows
from safeguard.attribute.record import (
    MAX_IP_ITEMS,
    RULE_SOURCE,
    Attributed,
    agreement,
    alternatives,
    region,
    rule_entry,
    unlocated,
)
from safeguard.refdata import uk

__all__ = ["StoredEntry", "load_account_attributions", "pool_accounts", "single_account"]

#: (account id, stored evidence entry of that account)
StoredEntry = tuple[int, Mapping[str, Any]]


_ACCOUNT_ATTRIBUTIONS_SQL = """
SELECT account_id, country, region, force_id, pfa_code, rocu, confidence, score,
       alternatives, evidence
FROM attribution
WHERE operation_id = {op} AND account_id IS NOT NULL AND subject_id IS NULL
"""


def load_account_attributions(conn: Connection, op_id: int) -> dict[int, Attributed]:
    """The operation's stored account attributions by account id (read through the driver's
    cursor: the evidence of every account is the bulk of this stage's reading)."""
    out: dict[int, Attributed] = {}
    for account_id, *values in raw_rows(conn, _ACCOUNT_ATTRIBUTIONS_SQL, op_id):
        country, reg, force, pfa, rocu, confidence, score, alts, evidence = values
        out[int(account_id)] = Attributed(
            country, reg, force, pfa, rocu, str(confidence), float(score or 0.0),
            list(json_value(alts) or []), list(json_value(evidence) or []),
        )  # fmt: skip
    return out


def _tagged(account_id: int, evidence: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        dict(doc) if doc.get("source") == RULE_SOURCE else {**doc, "account_id": account_id}
        for doc in evidence
    ]


def single_account(account_id: int, a: Attributed) -> Attributed:
    """A one-account subject: the account's attribution, each evidence entry with its id."""
    return Attributed(
        a.country, a.region, a.force_id, a.pfa_code, a.rocu, a.confidence, a.score,
        list(a.alternatives), _tagged(account_id, a.evidence),
    )  # fmt: skip


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _item(doc: Mapping[str, Any]) -> Evidence:
    """The fields of a stored entry the combination and confidence rules read."""
    return Evidence(
        source=str(doc["source"]),
        family=str(doc["family"]),
        country=doc.get("country"),
        detail=doc.get("detail") or {},
        forces=tuple((f["force_id"], float(f["share"])) for f in doc.get("forces") or ()),
        weight=float(doc.get("weight") or 0.0),
        strong=bool(doc.get("strong")),
        observations=int(doc.get("observations") or 1),
        first=_when(doc.get("first")),
        last=_when(doc.get("last")),
        anonymous=bool(doc.get("anonymous")),
    )


@dataclass(frozen=True)
class _Pooled:
    account_id: int
    doc: Mapping[str, Any]
    item: Evidence


def _pooled(entries: Iterator[StoredEntry]) -> list[_Pooled]:
    return [
        _Pooled(account_id, doc, _item(doc))
        for account_id, doc in entries
        if doc.get("source") != RULE_SOURCE
    ]


def _kept(pooled: list[_Pooled]) -> tuple[list[_Pooled], int]:
    ips = [p for p in pooled if p.item.family == "ip"]
    if len(ips) <= MAX_IP_ITEMS:
        return pooled, 0
    keep = {id(p) for p in sorted(ips, key=lambda p: -p.item.weight)[:MAX_IP_ITEMS]}
    return [p for p in pooled if p.item.family != "ip" or id(p) in keep], len(ips) - MAX_IP_ITEMS


def pool_accounts(entries: Iterator[StoredEntry]) -> Attributed:
    """Decide, grade and explain a subject from its accounts' stored evidence entries."""
    pooled = _pooled(entries)
    decision = decide(p.item for p in pooled)
    g = grounds(decision)
    kept, omitted = _kept(pooled)
    why = unlocated(decision, (p.item for p in pooled))
    evidence: list[dict[str, Any]] = [rule_entry(g, omitted, why)]
    for p in kept:
        verdict, on = agreement(p.item, decision)
        evidence.append(
            {**p.doc, "account_id": p.account_id, "agreement": verdict, "disagrees_on": on}
        )
    force = uk.force(decision.force_id) if decision.force_id else None
    return Attributed(
        country=decision.country,
        region=region(decision),
        force_id=force.force_id if force else None,
        pfa_code=force.pfa_code if force else None,
        rocu=force.rocu if force and decision.country == UK else None,
        confidence=grade(g).value,
        score=round(decision.force_share if force else decision.country_share, 4),
        alternatives=alternatives(decision),
        evidence=evidence,
    )
