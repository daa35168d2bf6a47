"""Possible new production: files in no hash set, first uploaded by this subject."""

from __future__ import annotations

from safeguard.assess.facts import SubjectFacts
from safeguard.assess.reasons import ReasonSink

__all__ = ["PossibleProduction"]


class PossibleProduction:
    name = "possible-production"
    description = "first upload of files in no known set (may be new material; needs review)"

    def assess(self, facts: SubjectFacts, reasons: ReasonSink) -> None:
        n = facts.material.first_uploads_unknown
        if n <= 0:
            return
        reasons.add(
            self.name,
            15.0 + 2.0 * min(n, 10),
            f"first uploader of {n} file(s) found in no hash set: possible new production, "
            "to be reviewed by a grading officer",
            flags=("possible-new-production",),
        )
        if facts.indicators_of("production"):
            hits = facts.indicators_of("production")
            reasons.add(
                self.name,
                8.0,
                f"{len(hits)} message(s) with production indicator phrases",
                evidence=[f"message:{h.message_id}" for h in hits],
            )
