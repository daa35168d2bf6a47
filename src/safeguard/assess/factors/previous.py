"""Previous behaviour: prior offences and registration, from checks returns."""

from __future__ import annotations

from safeguard.assess.factors.base import FactorParams
from safeguard.assess.facts import SubjectFacts
from safeguard.assess.reasons import ReasonSink
from safeguard.assess.vocab import CHECK_FINDINGS, CheckFindingName

__all__ = ["PreviousBehaviour", "previous_code"]


def previous_code(finding: str) -> str:
    return "previous-" + finding.replace("_", "-")


class PreviousParams(FactorParams):
    points: dict[CheckFindingName, float]
    sexual: tuple[CheckFindingName, ...]


class PreviousBehaviour:
    name = "previous-behaviour"
    description = "prior sexual or other offences, registered sex offender, open investigation"
    codes = tuple(previous_code(f) for f in CHECK_FINDINGS if f != "no_trace")
    flags = ("prior-sexual-offending",)
    params = PreviousParams

    def assess(self, facts: SubjectFacts, params: PreviousParams, reasons: ReasonSink) -> None:
        for finding, points in params.points.items():
            found = facts.findings_of(finding)
            if not found:
                continue
            sources = sorted({f.source for f in found})
            reasons.add(
                self.name,
                previous_code(finding),
                points,
                f"{finding.replace('_', ' ')} ({', '.join(sources)})",
                evidence=[f.ref for f in found],
                flags=("prior-sexual-offending",) if finding in params.sexual else (),
            )
