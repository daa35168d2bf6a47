"""Severity of known material: Category A weighs most; volume counts, but with diminishing
weight, since on a platform that traded abuse material nearly every user holds some and
volume alone says little about the risk of contact offending."""

from __future__ import annotations

import math

from safeguard.assess.factors.base import FactorParams
from safeguard.assess.facts import SubjectFacts
from safeguard.assess.reasons import ReasonSink

__all__ = ["MaterialSeverity"]


class CategoryWeight(FactorParams):
    first: float
    per_tenfold: float
    cap: float


class MaterialParams(FactorParams):
    A: CategoryWeight
    B: CategoryWeight
    C: CategoryWeight


class MaterialSeverity:
    name = "material-severity"
    description = "known indecent images by UK category (A most severe), distinct files"
    codes = ("material-a", "material-b", "material-c")
    flags = ("category-a",)
    params = MaterialParams

    def assess(self, facts: SubjectFacts, params: MaterialParams, reasons: ReasonSink) -> None:
        m = facts.material
        counts = {
            "A": (m.files_a, m.events_a, params.A),
            "B": (m.files_b, m.events_b, params.B),
            "C": (m.files_c, m.events_c, params.C),
        }
        for cat, (files, events, w) in counts.items():
            if files <= 0:
                continue
            points = min(w.first + w.per_tenfold * math.log10(files), w.cap)
            reasons.add(
                self.name,
                f"material-{cat.lower()}",
                round(points, 2),
                f"{files} distinct known Category {cat} file(s) in {events} transfer event(s)",
                evidence=[f"account:{a}" for a in facts.platform_ids],
                flags=("category-a",) if cat == "A" else (),
            )
