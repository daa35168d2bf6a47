"""Positions of trust and work with children, from police checks returns."""

from __future__ import annotations

from safeguard.assess.facts import SubjectFacts
from safeguard.assess.reasons import ReasonSink

__all__ = ["PositionOfTrust"]

_KINDS = (
    "position_of_trust",
    "works_with_children",
    "volunteers_with_children",
    "applied_to_work_with_children",
)


class PositionOfTrust:
    name = "position-of-trust"
    description = "position of trust or (voluntary) work with children, from checks returns"

    def assess(self, facts: SubjectFacts, reasons: ReasonSink) -> None:
        found = facts.findings_of(*_KINDS)
        if not found:
            return
        details = sorted(
            {f"{f.finding.replace('_', ' ')} ({f.detail or 'no detail'})" for f in found}
        )
        reasons.add(
            self.name,
            25.0,
            "; ".join(details),
            evidence=[f"{f.source}:{f.matched_kind}" for f in found],
            flags=("position-of-trust",),
        )
