"""Distribution: sharing and uploading known material, and the subject's network role."""

from __future__ import annotations

from safeguard.assess.factors.base import FactorParams
from safeguard.assess.facts import SubjectFacts
from safeguard.assess.reasons import ReasonSink

__all__ = ["Distribution"]


class DistributionParams(FactorParams):
    min_outgoing: int
    volume_points: float
    role_points: float
    roles: tuple[str, ...]


class Distribution:
    name = "distribution"
    description = "uploads and shares of material, distributor or hub role in the network"
    codes = ("distribution-volume", "distribution-role")
    flags = ("distributor",)
    params = DistributionParams

    def assess(self, facts: SubjectFacts, params: DistributionParams, reasons: ReasonSink) -> None:
        m = facts.material
        outgoing = m.uploads + m.shares
        if m.files_abuse and outgoing >= params.min_outgoing:
            reasons.add(
                self.name,
                "distribution-volume",
                params.volume_points,
                f"{outgoing} uploads/shares, {facts.counterparts} distinct counterparts",
                evidence=[f"account:{a}" for a in facts.platform_ids],
                flags=("distributor",),
            )
        roles = [r for r in facts.roles if r in params.roles]
        if m.files_abuse and roles:
            reasons.add(
                self.name,
                "distribution-role",
                params.role_points,
                f"network role: {', '.join(sorted(roles))}",
                evidence=[f"network:{facts.label}"],
            )
