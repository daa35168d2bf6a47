"""Reasons: what a factor saw, how much it weighs, and the evidence behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Reason", "ReasonSink"]


@dataclass(frozen=True)
class Reason:
    factor: str
    code: str
    points: float
    text: str
    evidence: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "factor": self.factor,
            "code": self.code,
            "points": self.points,
            "text": self.text,
            "evidence": list(self.evidence),
            "flags": list(self.flags),
        }


@dataclass
class ReasonSink:
    """Collects the reasons of one subject's assessment, in the order factors gave them."""

    reasons: list[Reason] = field(default_factory=list)

    def add(
        self,
        factor: str,
        code: str,
        points: float,
        text: str,
        *,
        evidence: list[str] | tuple[str, ...] = (),
        flags: tuple[str, ...] = (),
    ) -> None:
        self.reasons.append(Reason(factor, code, points, text, tuple(evidence)[:20], flags))

    @property
    def score(self) -> float:
        return round(sum(r.points for r in self.reasons), 2)

    @property
    def codes(self) -> dict[str, float]:
        """Reason code → points (what an assessment version keeps to compare runs)."""
        return {r.code: r.points for r in self.reasons}

    @property
    def flags(self) -> set[str]:
        return {f for r in self.reasons for f in r.flags}
