"""Travel: a UK subject's ordinary (non-anonymous) logins from the ruleset's destination
countries, such as repeated travel to South-East Asia reported in offenders' cases."""

from __future__ import annotations

from collections import defaultdict

from safeguard.assess.factors.base import FactorParams
from safeguard.assess.facts import LoginPlace, SubjectFacts
from safeguard.assess.reasons import ReasonSink

__all__ = ["Travel"]


class TravelParams(FactorParams):
    destinations: tuple[str, ...]  # ISO 3166 alpha-2
    points: float
    min_logins: int
    home: tuple[str, ...] = ("GB",)


class Travel:
    name = "travel"
    description = "a UK subject's non-anonymous logins from configured destination countries"
    codes = ("travel-destinations",)
    flags = ("travel",)
    params = TravelParams

    def assess(self, facts: SubjectFacts, params: TravelParams, reasons: ReasonSink) -> None:
        if facts.country not in params.home:
            return
        abroad: dict[str, list[LoginPlace]] = defaultdict(list)
        for place in facts.logins:
            if place.country in params.destinations and not place.anonymity:
                abroad[str(place.country)].append(place)
        logins = sum(p.logins for ps in abroad.values() for p in ps)
        if logins < params.min_logins:
            return
        parts = []
        for country, places in sorted(abroad.items()):
            first = min((p.first for p in places if p.first), default="?")
            last = max((p.last for p in places if p.last), default="?")
            parts.append(f"{country} {first} to {last} ({sum(p.logins for p in places)} logins)")
        reasons.add(
            self.name,
            "travel-destinations",
            params.points,
            "logins from destination countries: " + "; ".join(parts),
            evidence=[p.ref for ps in abroad.values() for p in ps],
            flags=("travel",),
        )
