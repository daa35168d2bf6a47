"""Turning a decision into an ``attribution`` row: force, ROCU, confidence, evidence JSON."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from safeguard.attribute.combine import UK, Decision, decide
from safeguard.attribute.confidence import Grounds, grade, grounds
from safeguard.attribute.facts import Evidence
from safeguard.refdata import uk

__all__ = [
    "MAX_IP_ITEMS",
    "RULE_SOURCE",
    "Attributed",
    "agreement",
    "alternatives",
    "attribute_items",
    "evidence_from_json",
    "json_doc",
    "region",
    "rule_entry",
    "unlocated",
    "unlocated_of",
]

#: At most this many IP items (the heaviest) are kept in one evidence list.
MAX_IP_ITEMS = 100
RULE_SOURCE = "confidence-rule"
_MIN_ALTERNATIVE = 0.02


@dataclass(frozen=True)
class Attributed:
    """The values of one ``attribution`` row (without its keys)."""

    country: str | None
    region: str | None
    force_id: str | None
    pfa_code: str | None
    rocu: str | None
    confidence: str
    score: float
    alternatives: list[dict[str, Any]]
    evidence: list[dict[str, Any]]


def agreement(item: Evidence, decision: Decision) -> tuple[str, str | None]:
    if decision.country is None or item.anonymous:
        return "neutral", None
    if item.country != decision.country:
        return "disagrees", "country"
    if decision.force_id is None or not item.forces:
        return "agrees", None
    share = dict(item.forces).get(decision.force_id, 0.0)
    if share >= 0.5:
        return "agrees", None
    return ("partly-agrees", None) if share > 0 else ("disagrees", "force")


def json_doc(value: Any) -> str:
    """Compact JSON text with sorted keys, like ``store.bulk.json_text`` but several times
    faster (attribution writes a long evidence list per account and subject)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _forces_json(forces: tuple[tuple[str, float], ...]) -> list[dict[str, Any]]:
    found = _FORCES_JSON.get(forces)
    if found is None:
        found = _FORCES_JSON[forces] = [{"force_id": f, "share": round(s, 4)} for f, s in forces]
    return found


#: Evidence entries of one place share its forces list (never mutated, serialised as is).
_FORCES_JSON: dict[tuple[tuple[str, float], ...], list[dict[str, Any]]] = {}


def evidence_json(item: Evidence, decision: Decision, extra: Mapping[str, Any]) -> dict[str, Any]:
    """The evidence entry of ``item``; ``first``/``last`` stay datetimes, which
    :func:`json_doc` writes as ISO 8601 text (as ``datetime.isoformat`` does)."""
    verdict, on = agreement(item, decision)
    detail = item.detail
    return {
        "source": item.source,
        "family": item.family,
        "country": item.country,
        "forces": _forces_json(item.forces),
        "weight": round(decision.weights.get(id(item), 0.0), 6),
        "strong": item.strong,
        "anonymous": item.anonymous,
        "observations": item.observations,
        "first": item.first,
        "last": item.last,
        "detail": detail if type(detail) is dict else dict(detail),
        "agreement": verdict,
        "disagrees_on": on,
        **extra,
    }


def evidence_from_json(doc: Mapping[str, Any]) -> Evidence | None:
    """The item a stored evidence entry was written from (``None`` for the rule entry)."""
    if doc.get("source") == RULE_SOURCE:
        return None
    first, last = doc.get("first"), doc.get("last")
    return Evidence(
        source=str(doc["source"]),
        family=str(doc["family"]),
        country=doc.get("country"),
        detail=dict(doc.get("detail") or {}),
        forces=tuple((f["force_id"], float(f["share"])) for f in doc.get("forces") or ()),
        weight=float(doc.get("weight") or 0.0),
        strong=bool(doc.get("strong")),
        observations=int(doc.get("observations") or 1),
        first=datetime.fromisoformat(first) if first else None,
        last=datetime.fromisoformat(last) if last else None,
        anonymous=bool(doc.get("anonymous")),
    )


def alternatives(decision: Decision) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for key, scores in (("force_id", decision.force_scores), ("country", decision.country_scores)):
        total = sum(scores.values())
        chosen = decision.force_id if key == "force_id" else decision.country
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        for name, score in ranked:
            if name != chosen and total > 0 and score / total >= _MIN_ALTERNATIVE:
                out.append({key: name, "share": round(score / total, 4)})
    return out


def region(decision: Decision) -> str | None:
    if decision.force_id is not None:
        return uk.force(decision.force_id).country
    ips = decision.families.get("ip")
    if ips is None:
        return None
    regions = [i for i in ips.items if i.country == decision.country and i.detail.get("region")]
    best = max(regions, key=lambda i: decision.weights.get(id(i), 0.0), default=None)
    return str(best.detail["region"]) if best is not None else None


def unlocated(decision: Decision, items: Iterable[Evidence]) -> str | None:
    """Why nothing places the person: ``anonymous-only`` (only anonymisers' addresses, which
    carry no location weight) or ``no-evidence``; ``None`` when a country was decided."""
    if decision.country is not None:
        return None
    return "anonymous-only" if any(i.anonymous for i in items) else "no-evidence"


def unlocated_of(evidence: Sequence[Any]) -> str | None:
    """The ``unlocated`` reason of a stored attribution's evidence list (its rule entry):
    ``anonymous-only``, ``no-evidence``, or ``None`` for a located person."""
    rule = evidence[0] if evidence else None
    value = rule.get("unlocated") if isinstance(rule, Mapping) else None
    return str(value) if value else None


def rule_entry(g: Grounds, omitted: int, why_unlocated: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "source": RULE_SOURCE,
        "level": g.level,
        "share": round(g.share, 4),
        "country_share": round(g.country_share, 4),
        "agreeing_strong": list(g.agreeing),
        "conflicting_strong": list(g.conflicting),
    }
    if omitted:
        entry["omitted_ip_items"] = omitted
    if why_unlocated:
        entry["unlocated"] = why_unlocated
    return entry


def _kept(items: Sequence[tuple[Evidence, Mapping[str, Any]]]) -> tuple[list[Any], int]:
    ips = [p for p in items if p[0].family == "ip"]
    if len(ips) <= MAX_IP_ITEMS:
        return list(items), 0
    keep = {id(p) for p in sorted(ips, key=lambda p: -p[0].weight)[:MAX_IP_ITEMS]}  # pre-decay
    return [p for p in items if p[0].family != "ip" or id(p) in keep], len(ips) - MAX_IP_ITEMS


def attribute_items(
    items: Iterable[tuple[Evidence, Mapping[str, Any]]], reference: datetime | None = None
) -> Attributed:
    """Decide, grade and explain; each item comes with extra keys for its evidence entry.

    ``reference`` (the delivery's latest event) decays dated items; stored weights are
    already decayed, so subjects pass none.
    """
    pairs = list(items)
    decision = decide((item for item, _ in pairs), reference)
    g = grounds(decision)
    kept, omitted = _kept(pairs)
    evidence = [rule_entry(g, omitted, unlocated(decision, (item for item, _ in pairs)))]
    evidence += [evidence_json(item, decision, extra) for item, extra in kept]
    force = uk.force(decision.force_id) if decision.force_id else None
    uk_force = decision.country == UK and force is not None
    return Attributed(
        country=decision.country,
        region=region(decision),
        force_id=force.force_id if force else None,
        pfa_code=force.pfa_code if force else None,
        rocu=force.rocu if uk_force and force else None,
        confidence=grade(g).value,
        score=round(decision.force_share if force else decision.country_share, 4),
        alternatives=alternatives(decision),
        evidence=evidence,
    )
