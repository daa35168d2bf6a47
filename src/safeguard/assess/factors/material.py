"""Severity of known material: Category A weighs most."""

from __future__ import annotations

from safeguard.assess.facts import SubjectFacts
from safeguard.assess.reasons import ReasonSink

__all__ = ["MaterialSeverity"]

#: (category, base points, points per further file, cap on counted files)
_WEIGHTS = (("A", 12.0, 0.5, 40), ("B", 6.0, 0.25, 40), ("C", 2.0, 0.1, 40))


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
        for cat, base, per_file, cap in _WEIGHTS:
            files, events = counts[cat]
            if files <= 0:
                continue
            points = base + per_file * (min(files, cap) - 1)
            flags = ("category-a",) if cat == "A" else ()
            reasons.add(
                self.name,
                points,
                f"{files} distinct known Category {cat} file(s) in {events} transfer event(s)",
                flags=flags,
            )
