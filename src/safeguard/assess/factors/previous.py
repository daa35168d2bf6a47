"""Previous behaviour: prior offences and registration, from checks returns."""

from __future__ import annotations

from safeguard.assess.facts import SubjectFacts
from safeguard.assess.reasons import ReasonSink

__all__ = ["PreviousBehaviour"]

_POINTS = {
    "registered_sex_offender": 25.0,
    "prior_sexual_offence": 20.0,
    "open_investigation": 5.0,
    "prior_other_offence": 3.0,
}


class PreviousBehaviour:
    name = "previous-behaviour"
    description = "prior sexual or other offences, registered sex offender, open investigation"

    def assess(self, facts: SubjectFacts, reasons: ReasonSink) -> None:
        for finding, points in _POINTS.items():
            found = facts.findings_of(finding)
            if not found:
                continue
            sources = sorted({f.source for f in found})
            flags = ("prior-sexual-offending",) if points >= 20 else ()
            reasons.add(
                self.name,
                points,
                f"{finding.replace('_', ' ')} ({', '.join(sources)})",
                evidence=[f"{f.source}:{f.matched_kind}" for f in found],
                flags=flags,
            )
