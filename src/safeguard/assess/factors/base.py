"""The risk-factor interface: a stable name and one method over plain facts."""

from __future__ import annotations

from typing import Protocol

from safeguard.assess.facts import SubjectFacts
from safeguard.assess.reasons import ReasonSink

__all__ = ["RiskFactor"]


class RiskFactor(Protocol):
    #: Stable storage key: appears in every stored reason; never renamed.
    name: str
    #: One line for `safeguard plugins` and the risk-model documentation.
    description: str

    def assess(self, facts: SubjectFacts, reasons: ReasonSink) -> None: ...
