"""Access to children at home or elsewhere (checks returns and message indicators)."""

from __future__ import annotations

from safeguard.assess.factors.base import FactorParams
from safeguard.assess.facts import SubjectFacts
from safeguard.assess.reasons import ReasonSink
from safeguard.assess.vocab import CheckFindingName

__all__ = ["AccessToChildren"]


class AccessParams(FactorParams):
    checks_points: float
    findings: tuple[CheckFindingName, ...]
    per_message: float
    message_cap: float
    min_messages: int
    #: Whether access phrases alone raise the access-to-children flag (they also count
    #: towards contact-indicators, so the default is no: one piece of evidence, one flag).
    message_flag: bool


class AccessToChildren:
    name = "access-to-children"
    description = "lives with or has access to children (checks), access indicator phrases"
    codes = ("access-checks", "access-messages")
    flags = ("access-to-children",)
    params = AccessParams

    def assess(self, facts: SubjectFacts, params: AccessParams, reasons: ReasonSink) -> None:
        found = facts.findings_of(*params.findings)
        if found:
            reasons.add(
                self.name,
                "access-checks",
                params.checks_points,
                "; ".join(sorted({f.finding.replace("_", " ") for f in found})),
                evidence=[f.ref for f in found],
                flags=("access-to-children",),
            )
        messages = sorted({h.message_id for h in facts.indicators_of("access_to_children")})
        if messages:
            strong = params.message_flag and len(messages) >= params.min_messages
            reasons.add(
                self.name,
                "access-messages",
                min(params.per_message * len(messages), params.message_cap),
                f"{len(messages)} message(s) suggesting access to children"
                + ("" if strong else ": weak on its own"),
                evidence=[f"message:{m}" for m in messages],
                flags=("access-to-children",) if strong else (),
            )
