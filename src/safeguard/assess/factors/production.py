"""Possible new production: files in no hash set, first uploaded by this subject."""

from __future__ import annotations

from safeguard.assess.factors.base import FactorParams
from safeguard.assess.facts import SubjectFacts
from safeguard.assess.reasons import ReasonSink

__all__ = ["PossibleProduction"]


class ProductionParams(FactorParams):
    first_upload_points: float
    per_file: float
    max_files: int
    phrase_points: float


class PossibleProduction:
    name = "possible-production"
    description = "first upload of files in no known set (may be new material; needs review)"
    codes = ("production-first-upload", "production-phrases")
    flags = ("possible-new-production",)
    params = ProductionParams

    def assess(self, facts: SubjectFacts, params: ProductionParams, reasons: ReasonSink) -> None:
        n = facts.material.first_uploads_unknown
        if n <= 0:
            return
        reasons.add(
            self.name,
            "production-first-upload",
            params.first_upload_points + params.per_file * min(n, params.max_files),
            f"first uploader of {n} file(s) found in no hash set: possible new production, "
            "to be reviewed by a grading officer",
            evidence=[f"account:{a}" for a in facts.platform_ids],
            flags=("possible-new-production",),
        )
        hits = facts.indicators_of("production")
        if hits:
            reasons.add(
                self.name,
                "production-phrases",
                params.phrase_points,
                f"{len(hits)} message(s) with production indicator phrases",
                evidence=[f"message:{h.message_id}" for h in hits],
            )
