"""Severity of known material: Category A weighs most; volume counts, but with diminishing
weight, since on a platform that traded abuse material nearly every user holds some and
volume alone says little about the risk of contact offending."""

from __future__ import annotations

import math

from safeguard.assess.facts import SubjectFacts
from safeguard.assess.reasons import ReasonSink

__all__ = ["MaterialSeverity"]

#: (category, points for the first file, points per tenfold more files, cap)
_WEIGHTS = (("A", 4.0, 2.0, 10.0), ("B", 2.0, 1.0, 5.0), ("C", 1.0, 0.5, 2.0))


class MaterialSeverity:
    name = "material-severity"
    description = "known indecent images by UK category (A most severe), distinct files"

    def assess(self, facts: SubjectFacts, reasons: ReasonSink) -> None:
        m = facts.material
        counts = {
            "A": (m.files_a, m.events_a),
            "B": (m.files_b, m.events_b),
            "C": (m.files_c, m.events_c),
        }
        for cat, base, per_decade, cap in _WEIGHTS:
            files, events = counts[cat]
            if files <= 0:
                continue
            points = min(base + per_decade * math.log10(files), cap)
            flags = ("category-a",) if cat == "A" else ()
            reasons.add(
                self.name,
                round(points, 2),
                f"{files} distinct known Category {cat} file(s) in {events} transfer event(s)",
                flags=flags,
            )
