"""Access to children at home or elsewhere (checks returns and message indicators)."""

from __future__ import annotations

from safeguard.assess.facts import SubjectFacts
from safeguard.assess.reasons import ReasonSink

__all__ = ["AccessToChildren"]


class AccessToChildren:
    name = "access-to-children"
    description = "lives with or has access to children (checks), access indicator phrases"

    def assess(self, facts: SubjectFacts, reasons: ReasonSink) -> None:
        found = facts.findings_of("lives_with_children", "access_to_children")
        if found:
            reasons.add(
                self.name,
                15.0,
                "; ".join(sorted({f.finding.replace("_", " ") for f in found})),
                evidence=[f"{f.source}:{f.matched_kind}" for f in found],
                flags=("access-to-children",),
            )
        hits = facts.indicators_of("access_to_children")
        if hits:
            reasons.add(
                self.name,
                min(5.0 * len(hits), 15.0),
                f"{len(hits)} message(s) suggesting access to children",
                evidence=[f"message:{h.message_id}" for h in hits],
                flags=("access-to-children",),
            )
