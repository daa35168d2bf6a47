"""Combining evidence: decay by age, pool each family, then weigh the families.

Items of one *family* (all IP addresses; all postcodes...) are not independent, so they are
first pooled into one distribution over countries (and UK forces) per family, weighted by
each item's mass. Families then vote with a fixed weight, scaled down while a family has
little mass (one login is not ten). The country with the highest score wins; in the UK the
force with the highest score among force-bearing families wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from safeguard.attribute.facts import Evidence

__all__ = [
    "FAMILY_WEIGHTS",
    "HALF_LIFE_DAYS",
    "UK",
    "Decision",
    "FamilyView",
    "decay_factor",
    "decide",
]

UK = "GB"
#: Evidence loses half its weight for every this many days before the delivery's last event.
HALF_LIFE_DAYS = 180.0
#: family → (country vote, force vote, mass at which the family votes in full).
FAMILY_WEIGHTS: Mapping[str, tuple[float, float, float]] = {
    "ip": (3.0, 1.5, 10.0),
    "range": (0.0, 2.0, 10.0),
    "postcode": (2.0, 2.0, 1.0),
    "coordinates": (2.0, 2.0, 1.0),
    "phone": (1.5, 1.0, 1.0),
    "report": (1.0, 0.0, 1.0),
    "declared": (0.75, 0.5, 1.0),
}
_OTHER = (0.5, 0.5, 1.0)


def decay_factor(
    item: Evidence, reference: datetime | None, half_life_days: float = HALF_LIFE_DAYS
) -> float:
    """How much of its weight an item keeps: halved per ``half_life_days`` of age."""
    when = item.last or item.first
    if reference is None or when is None:
        return 1.0
    age_days = max(0.0, (reference - when).total_seconds() / 86400.0)
    return float(0.5 ** (age_days / half_life_days))


def _normalise(scores: Mapping[str, float]) -> dict[str, float]:
    total = sum(scores.values())
    return {k: v / total for k, v in scores.items()} if total > 0 else {}


@dataclass(frozen=True)
class FamilyView:
    """One family's pooled view: where its items point, and how loudly it votes."""

    family: str
    items: tuple[Evidence, ...]
    countries: Mapping[str, float]
    forces: Mapping[str, float]
    country_vote: float
    force_vote: float


def _view(family: str, weighted: Sequence[tuple[Evidence, float]]) -> FamilyView:
    countries: dict[str, float] = {}
    forces: dict[str, float] = {}
    mass = force_mass = supported = 0.0
    for item, weight in weighted:
        mass += weight
        if item.country:
            countries[item.country] = countries.get(item.country, 0.0) + weight
        if item.forces and item.country == UK:
            force_mass += weight
            supported += weight * float(item.detail.get("support", 1.0))
            total = sum(share for _, share in item.forces) or 1.0
            for force_id, share in item.forces:
                forces[force_id] = forces.get(force_id, 0.0) + weight * share / total
    vote, force_vote, saturation = FAMILY_WEIGHTS.get(family, _OTHER)
    return FamilyView(
        family=family,
        items=tuple(item for item, _ in weighted),
        countries=_normalise(countries),
        forces=_normalise(forces),
        country_vote=vote * min(1.0, mass / saturation),
        force_vote=force_vote * min(1.0, force_mass / saturation) * _support(supported, force_mass),
    )


def _support(supported: float, force_mass: float) -> float:
    """The mass-weighted mean ``support`` of the force items (1 unless an item says less)."""
    return supported / force_mass if force_mass > 0 else 1.0


@dataclass(frozen=True)
class Decision:
    """The winning country (and UK force) with their shares of the vote."""

    country: str | None
    country_share: float
    force_id: str | None
    force_share: float
    country_scores: Mapping[str, float]
    force_scores: Mapping[str, float]
    families: Mapping[str, FamilyView]
    weights: Mapping[int, float]  # id(item) → weight after decay


def _top(scores: Mapping[str, float]) -> tuple[str | None, float]:
    total = sum(scores.values())
    if total <= 0:
        return None, 0.0
    best = min(scores, key=lambda k: (-scores[k], k))
    return best, scores[best] / total


def decide(items: Iterable[Evidence], reference: datetime | None = None) -> Decision:
    """Pool ``items`` by family and pick the country and UK force.

    With a ``reference`` time, dated items are decayed by age first (:func:`decay_factor`);
    without one, weights are taken as they are (e.g. already decayed, stored evidence).
    """
    grouped: dict[str, list[tuple[Evidence, float]]] = {}
    for item in items:
        weight = item.weight * decay_factor(item, reference)
        if weight > 0:
            grouped.setdefault(item.family, []).append((item, weight))
    views = {family: _view(family, group) for family, group in sorted(grouped.items())}
    weights = {id(item): w for group in grouped.values() for item, w in group}
    country_scores: dict[str, float] = {}
    force_scores: dict[str, float] = {}
    for view in views.values():
        for name, p in view.countries.items():
            country_scores[name] = country_scores.get(name, 0.0) + view.country_vote * p
        for name, q in view.forces.items():
            force_scores[name] = force_scores.get(name, 0.0) + view.force_vote * q
    country, country_share = _top(country_scores)
    force_id, force_share = _top(force_scores) if country == UK else (None, 0.0)
    return Decision(
        country=country,
        country_share=country_share,
        force_id=force_id,
        force_share=force_share,
        country_scores=country_scores,
        force_scores=force_scores if country == UK else {},
        families=views,
        weights=weights,
    )
