"""Anonymisation: logins through Tor, VPNs, proxies or hosting, a behavioural facilitator.

Low weight and no flag: it says how someone hides, not that they pose a risk, so it never
sets a tier on its own.
"""

from __future__ import annotations

from safeguard.assess.factors.base import FactorParams
from safeguard.assess.facts import SubjectFacts
from safeguard.assess.reasons import ReasonSink

__all__ = ["Anonymisation"]


class AnonymisationParams(FactorParams):
    points: float
    min_logins: int


class Anonymisation:
    name = "anonymisation"
    description = "logins through Tor, VPNs, proxies or hosting (facilitator, low weight)"
    codes = ("anonymisation-use",)
    flags = ()
    params = AnonymisationParams

    def assess(self, facts: SubjectFacts, params: AnonymisationParams, reasons: ReasonSink) -> None:
        hidden = [p for p in facts.logins if p.anonymity]
        logins = sum(p.logins for p in hidden)
        if logins < params.min_logins:
            return
        kinds = sorted({k for p in hidden for k in p.anonymity})
        reasons.add(
            self.name,
            "anonymisation-use",
            params.points,
            f"{logins} login(s) through anonymising services ({', '.join(kinds)})",
            evidence=[p.ref for p in hidden],
        )
