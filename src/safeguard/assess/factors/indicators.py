"""Contact-abuse indicators and behavioural facilitators in the subject's messages."""

from __future__ import annotations

from safeguard.assess.facts import SubjectFacts
from safeguard.assess.reasons import ReasonSink

__all__ = ["ContactIndicators", "Facilitators"]


class ContactIndicators:
    name = "contact-indicators"
    description = "messages with contact-abuse indicator phrases from the lexicon"

    def assess(self, facts: SubjectFacts, reasons: ReasonSink) -> None:
        hits = facts.indicators_of("contact_abuse")
        if not hits:
            return
        phrases = sorted({h.phrase for h in hits})
        reasons.add(
            self.name,
            10.0 + 5.0 * min(len(hits) - 1, 4),
            f"{len(hits)} message(s) with contact-abuse indicators: {', '.join(phrases[:5])}",
            evidence=[f"message:{h.message_id}" for h in hits],
            flags=("contact-indicators",),
        )


class Facilitators:
    name = "facilitators"
    description = "behavioural facilitators (lexicon 'facilitation' phrases)"

    def assess(self, facts: SubjectFacts, reasons: ReasonSink) -> None:
        hits = facts.indicators_of("facilitation")
        if hits:
            reasons.add(
                self.name,
                min(3.0 * len(hits), 9.0),
                f"{len(hits)} message(s) with facilitation phrases",
                evidence=[f"message:{h.message_id}" for h in hits],
            )
