"""From reasons to a priority tier. One documented rule (``docs/risk-model.md``)."""

from __future__ import annotations

from safeguard.assess.reasons import ReasonSink
from safeguard.records import Tier

__all__ = ["RULESET_VERSION", "tier_for"]

RULESET_VERSION = "kirat-lite/1"

#: Combinations of flags that put a subject in tier 1 whatever the score.
_TIER1_COMBINATIONS: tuple[frozenset[str], ...] = (
    frozenset({"contact-indicators", "access-to-children"}),
    frozenset({"contact-indicators", "position-of-trust"}),
    frozenset({"possible-new-production", "category-a"}),
    frozenset({"prior-sexual-offending", "access-to-children"}),
)
_TIER2_FLAGS = frozenset({"position-of-trust", "contact-indicators", "possible-new-production"})


def tier_for(reasons: ReasonSink) -> Tier:
    """Tier 1 = look first. Score thresholds 60 / 35 / 12, raised by flag combinations."""
    flags, score = reasons.flags, reasons.score
    if score >= 60 or any(combo <= flags for combo in _TIER1_COMBINATIONS):
        return Tier.T1
    if score >= 35 or flags & _TIER2_FLAGS:
        return Tier.T2
    if score >= 12:
        return Tier.T3
    return Tier.T4
