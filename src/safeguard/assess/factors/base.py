"""The risk-factor interface: a stable name, its parameters, one method over plain facts."""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from safeguard.assess.facts import SubjectFacts
from safeguard.assess.reasons import ReasonSink

__all__ = ["FactorParams", "RiskFactor"]


class FactorParams(BaseModel):
    """A factor's section of the ruleset file: unknown keys and wrong types are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class RiskFactor(Protocol):
    @property
    def name(self) -> str:
        """Stable storage key: appears in every stored reason; never renamed."""

    @property
    def description(self) -> str:
        """One line for `safeguard plugins` and the risk-model documentation."""

    @property
    def codes(self) -> tuple[str, ...]:
        """Every reason code this factor can give (stable; in docs/risk-model.md)."""

    @property
    def flags(self) -> tuple[str, ...]:
        """Every flag its reasons can carry (the ruleset's lifts may name only these)."""

    @property
    def params(self) -> type[FactorParams]:
        """The model of its section of the ruleset file."""

    def assess(self, facts: SubjectFacts, params: Any, reasons: ReasonSink) -> None: ...
