"""Contact-abuse indicators and behavioural facilitators in the subject's messages."""

from __future__ import annotations

from safeguard.assess.facts import SubjectFacts
from safeguard.assess.reasons import ReasonSink

__all__ = ["MIN_MESSAGES", "ContactIndicators", "Facilitators"]

#: Separate messages needed before indicator phrases raise a flag: on synthetic operations
#: one message is as common among people with no latent contact offending as among those
#: with it, two or more are several times more common among the latter.
MIN_MESSAGES = 2


class ContactIndicators:
    name = "contact-indicators"
    description = "messages with contact-abuse indicator phrases from the lexicon"

    def assess(self, facts: SubjectFacts, reasons: ReasonSink) -> None:
        hits = facts.indicators_of("contact_abuse")
        messages = {h.message_id for h in hits}
        if not messages:
            return
        phrases = sorted({h.phrase for h in hits})
        evidence = [f"message:{m}" for m in sorted(messages)]
        if len(messages) < MIN_MESSAGES:
            reasons.add(
                self.name,
                5.0,
                f"one message with a contact-abuse indicator "
                f"({', '.join(phrases)}): weak on its own",
                evidence=evidence,
            )
            return
        reasons.add(
            self.name,
            10.0 + 5.0 * min(len(messages) - MIN_MESSAGES, 4),
            f"{len(messages)} messages with contact-abuse indicators: {', '.join(phrases[:5])}",
            evidence=evidence,
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
