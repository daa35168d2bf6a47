"""The confidence rule (documented in ``docs/attribution.md``; one test per branch).

A family is *strong* when it can place a person by itself:

- ``ip``: non-anonymous logins, at least 3, spread over at least 7 days (for a force: the
  same, counting only logins whose address places a force);
- ``postcode``: for a country always; for a force when a known district was given;
- ``phone``: for a country when a number is valid; for a force when it has a UK area code;
- ``coordinates``: always. ``declared`` and ``report`` are never strong;
- ``range`` (a range learned from its other users, :mod:`safeguard.attribute.peers`): for a
  force, as ``ip``; never for a country. It locates the same addresses as ``ip``, so the
  two agreeing count as one strong family towards **high**.

A strong family *agrees* with the decision when at least half its mass points to it, and
*conflicts* when less than a quarter does. For a UK force, an item whose area holds the
decided force (a coarse IP circle that contains it among its candidates) does not point
elsewhere: the family conflicts on the force only when less than a quarter of its mass is
in items that exclude the decided force entirely. Then, judging the force in the UK and the country
elsewhere, with ``share`` the winner's share of the vote:

- **high**: ≥ 2 agreeing strong families, share ≥ 0.75, country share ≥ 0.9, no conflict;
- **medium**: ≥ 1 agreeing strong family and more agreeing than conflicting strong
  families, share ≥ 0.5, country share ≥ 0.7;
- **low**: any other usable evidence — and always for a UK account with no force;
- **none**: nothing usable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from safeguard.attribute.combine import UK, Decision, FamilyView
from safeguard.attribute.facts import Evidence
from safeguard.records import Confidence

__all__ = ["Grounds", "consistent_share", "family_strength", "grade", "grounds"]

#: Families that locate the same login addresses as ``ip`` (a learned range): they confirm
#: the IP family but do not count as a second independent source towards ``high``.
_SAME_ADDRESSES = frozenset({"range"})
REPEATED_LOGINS = 3
REPEATED_SPAN = timedelta(days=7)
AGREE = 0.5
CONFLICT = 0.25


def _repeated(items: Sequence[Evidence]) -> bool:
    seen = [i for i in items if not i.anonymous]
    if sum(i.observations for i in seen) < REPEATED_LOGINS:
        return False
    firsts = [i.first for i in seen if i.first is not None]
    lasts = [i.last for i in seen if i.last is not None]
    return bool(firsts and lasts) and max(lasts) - min(firsts) >= REPEATED_SPAN


def family_strength(view: FamilyView) -> tuple[bool, bool]:
    """Whether a family is strong for a country, and for a UK force."""
    items = view.items
    if view.family == "ip":
        return _repeated(items), _repeated([i for i in items if i.forces])
    if view.family == "range":
        return False, _repeated(items) and any(i.strong for i in items)
    if view.family == "postcode":
        return True, any(i.strong for i in items)
    if view.family == "phone":
        return any(i.detail.get("valid") for i in items), any(i.strong for i in items)
    if view.family == "coordinates":
        return True, True
    return False, False


@dataclass(frozen=True)
class Grounds:
    """What the rule looks at, kept with the attribution so the grade can be explained."""

    level: str
    share: float
    country_share: float
    agreeing: tuple[str, ...]
    conflicting: tuple[str, ...]


def consistent_share(view: FamilyView, decision: Decision, force_id: str) -> float:
    """Share of the family's force-placing mass in items whose area holds ``force_id``
    (the force is one of the item's candidates): those items do not point elsewhere."""
    placing = [i for i in view.items if i.forces and i.country == UK]
    total = sum(decision.weights.get(id(i), 0.0) for i in placing)
    inside = sum(
        decision.weights.get(id(i), 0.0) for i in placing if any(f == force_id for f, _ in i.forces)
    )
    return inside / total if total > 0 else 0.0


def _judge(view: FamilyView, decision: Decision) -> tuple[bool, bool]:
    country_strong, force_strong = family_strength(view)
    p_country = view.countries.get(decision.country or "", 0.0)
    conflict = country_strong and p_country < CONFLICT
    if decision.force_id is None:
        return country_strong and p_country >= AGREE, conflict
    if not view.forces:
        return False, conflict
    q_force = view.forces.get(decision.force_id, 0.0)
    agrees = force_strong and q_force >= AGREE and p_country >= AGREE
    elsewhere = force_strong and consistent_share(view, decision, decision.force_id) < CONFLICT
    return agrees, conflict or elsewhere


def grounds(decision: Decision) -> Grounds:
    if decision.country is None:
        return Grounds("none", 0.0, 0.0, (), ())
    agreeing, conflicting = [], []
    for view in decision.families.values():
        agrees, conflicts = _judge(view, decision)
        if agrees:
            agreeing.append(view.family)
        if conflicts:
            conflicting.append(view.family)
    if decision.force_id is not None:
        level, share = "force", decision.force_share
    else:
        level = "country-only" if decision.country == UK else "country"
        share = decision.country_share
    return Grounds(level, share, decision.country_share, tuple(agreeing), tuple(conflicting))


def grade(g: Grounds) -> Confidence:
    """Apply the rule above."""
    if g.level == "none":
        return Confidence.NONE
    if g.level == "country-only":
        return Confidence.LOW
    strong = len(set(g.agreeing) - (_SAME_ADDRESSES if "ip" in g.agreeing else set()))
    if strong >= 2 and g.share >= 0.75 and g.country_share >= 0.9 and not g.conflicting:
        return Confidence.HIGH
    outvoted = strong > len(g.conflicting)
    if strong >= 1 and outvoted and g.share >= 0.5 and g.country_share >= 0.7:
        return Confidence.MEDIUM
    return Confidence.LOW
