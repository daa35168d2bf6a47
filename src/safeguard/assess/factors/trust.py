"""Positions of trust and work with children, from police checks returns."""

from __future__ import annotations

from safeguard.assess.factors.base import FactorParams
from safeguard.assess.facts import SubjectFacts
from safeguard.assess.reasons import ReasonSink
from safeguard.assess.vocab import CheckFindingName

__all__ = ["PositionOfTrust"]


class TrustParams(FactorParams):
    points: float
    findings: tuple[CheckFindingName, ...]


class PositionOfTrust:
    name = "position-of-trust"
    description = "position of trust or (voluntary) work with children, from checks returns"
    codes = ("position-of-trust",)
    flags = ("position-of-trust",)
    params = TrustParams

    def assess(self, facts: SubjectFacts, params: TrustParams, reasons: ReasonSink) -> None:
        found = facts.findings_of(*params.findings)
        if not found:
            return
        details = sorted(
            {f"{f.finding.replace('_', ' ')} ({f.detail or 'no detail'})" for f in found}
        )
        reasons.add(
            self.name,
            "position-of-trust",
            params.points,
            "; ".join(details),
            evidence=[f.ref for f in found],
            flags=("position-of-trust",),
        )
