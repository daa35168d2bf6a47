"""Access to children at home or elsewhere (checks returns and message indicators)."""

from __future__ import annotations

from safeguard.assess.factors.indicators import MIN_MESSAGES
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
        messages = sorted({h.message_id for h in facts.indicators_of("access_to_children")})
        if messages:
            strong = len(messages) >= MIN_MESSAGES
            reasons.add(
                self.name,
                min(5.0 * len(messages), 15.0),
                f"{len(messages)} message(s) suggesting access to children"
                + ("" if strong else ": weak on its own"),
                evidence=[f"message:{m}" for m in messages],
                flags=("access-to-children",) if strong else (),
            )
