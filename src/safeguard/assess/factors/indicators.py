"""Contact-abuse indicators and behavioural facilitators in the subject's messages."""

from __future__ import annotations

from safeguard.assess.factors.base import FactorParams
from safeguard.assess.facts import SubjectFacts
from safeguard.assess.reasons import ReasonSink

__all__ = ["ContactIndicators", "Facilitators"]


class ContactParams(FactorParams):
    #: Points of one message alone: on synthetic operations one message is as common among
    #: people with no latent contact offending as among those with it.
    single_message_points: float
    #: Lexicon categories whose phrases count (default contact_abuse and access_to_children).
    categories: tuple[str, ...]
    min_messages: int
    points: float
    per_further_message: float
    max_further_messages: int


class ContactIndicators:
    name = "contact-indicators"
    description = "messages with contact-abuse indicator phrases from the lexicon"
    codes = ("contact-single-message", "contact-messages")
    flags = ("contact-indicators",)
    params = ContactParams

    def assess(self, facts: SubjectFacts, params: ContactParams, reasons: ReasonSink) -> None:
        hits = [h for c in params.categories for h in facts.indicators_of(c)]
        messages = {h.message_id for h in hits}
        if not messages:
            return
        phrases = sorted({h.phrase for h in hits})
        evidence = [f"message:{m}" for m in sorted(messages)]
        if len(messages) < params.min_messages:
            reasons.add(
                self.name,
                "contact-single-message",
                params.single_message_points,
                f"{len(messages)} message(s) with a contact-abuse or access indicator "
                f"({', '.join(phrases)}): weak on its own",
                evidence=evidence,
            )
            return
        further = min(len(messages) - params.min_messages, params.max_further_messages)
        reasons.add(
            self.name,
            "contact-messages",
            params.points + params.per_further_message * further,
            f"{len(messages)} messages with contact-abuse or access indicators: "
            f"{', '.join(phrases[:5])}",
            evidence=evidence,
            flags=("contact-indicators",),
        )


class FacilitatorParams(FactorParams):
    per_message: float
    cap: float


class Facilitators:
    name = "facilitators"
    description = "behavioural facilitators (lexicon 'facilitation' phrases)"
    codes = ("facilitation-messages",)
    flags = ()
    params = FacilitatorParams

    def assess(self, facts: SubjectFacts, params: FacilitatorParams, reasons: ReasonSink) -> None:
        hits = facts.indicators_of("facilitation")
        if hits:
            reasons.add(
                self.name,
                "facilitation-messages",
                min(params.per_message * len(hits), params.cap),
                f"{len(hits)} message(s) with facilitation phrases",
                evidence=[f"message:{h.message_id}" for h in hits],
            )
