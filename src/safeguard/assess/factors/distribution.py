"""Distribution: sharing and uploading known material, and the subject's network role."""

from __future__ import annotations

from safeguard.assess.facts import SubjectFacts
from safeguard.assess.reasons import ReasonSink

__all__ = ["Distribution"]


class Distribution:
    name = "distribution"
    description = "uploads and shares of material, distributor or hub role in the network"

    def assess(self, facts: SubjectFacts, reasons: ReasonSink) -> None:
        m = facts.material
        outgoing = m.uploads + m.shares
        if m.files_abuse and outgoing >= 10:
            reasons.add(
                self.name,
                4.0,
                f"{outgoing} uploads/shares, {facts.counterparts} distinct counterparts",
                flags=("distributor",),
            )
        roles = [r for r in facts.roles if r in ("distributor", "hub")]
        if m.files_abuse and roles:
            reasons.add(self.name, 3.0, f"network role: {', '.join(sorted(roles))}")
