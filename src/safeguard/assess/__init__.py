"""Assess: each subject's risk to children, as a tier with explained, evidenced reasons.

The system ranks for humans: a tier orders the triage queue, it decides nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import delete

from safeguard.assess.factors import FACTORS
from safeguard.assess.facts import SubjectFacts
from safeguard.assess.lexicon import load_lexicon
from safeguard.assess.load import RegisterHit, load_inputs
from safeguard.assess.reasons import ReasonSink
from safeguard.assess.ruleset import RULESET_VERSION, tier_for
from safeguard.config import Settings
from safeguard.progress import NULL_PROGRESS, Progress
from safeguard.records import Stage, Tier
from safeguard.store.bulk import bulk_insert, json_text
from safeguard.store.db import Store
from safeguard.store.models import Assessment
from safeguard.store.runs import record_run

__all__ = ["AssessResult", "assess_subject", "run"]


@dataclass(frozen=True)
class AssessResult:
    subjects: int
    tiers: dict[str, int] = field(default_factory=dict)


def assess_subject(facts: SubjectFacts) -> tuple[Tier, ReasonSink]:
    """Run every registered factor over one subject's facts; return its tier and reasons."""
    sink = ReasonSink()
    for factor in FACTORS.values():
        factor.assess(facts, sink)
    return tier_for(sink), sink


def _deconfliction(hits: list[RegisterHit]) -> str:
    unique = {(h.force_id, h.reference): h for h in hits}
    return json_text(
        [
            {
                "force_id": h.force_id,
                "reference": h.reference,
                "status": h.status,
                "contact": h.contact,
                "matched_on": h.matched_kind,
            }
            for h in sorted(unique.values(), key=lambda h: (h.force_id, h.reference))
        ]
    )


def run(
    store: Store, settings: Settings, operation: str, *, progress: Progress = NULL_PROGRESS
) -> AssessResult:
    op_id = store.operation_id(operation)
    scanner = load_lexicon(settings.lexicon).scanner()
    config = {
        "ruleset": RULESET_VERSION,
        "factors": sorted(FACTORS),
        "lexicon": str(settings.lexicon or "built-in"),
    }
    with record_run(store, op_id, Stage.ASSESS, config) as rec:
        with rec.timed("load"), store.transaction() as conn:
            inputs = load_inputs(conn, op_id, scanner)
        tiers: Counter[str] = Counter()
        rows = []
        with progress.task("assess subjects", total=len(inputs.labels)) as task:
            for facts in inputs.facts():
                tier, sink = assess_subject(facts)
                tiers[tier.value] += 1
                reasons = json_text([r.to_json() for r in sink.reasons])
                rows.append(
                    (
                        op_id,
                        facts.subject_id,
                        tier.value,
                        sink.score,
                        reasons,
                        RULESET_VERSION,
                        _deconfliction(inputs.register[facts.subject_id]),
                    )
                )
                task.advance()
        cols = (
            "operation_id",
            "subject_id",
            "tier",
            "score",
            "reasons",
            "ruleset_version",
            "deconfliction",
        )
        with rec.timed("write"), store.transaction() as conn:
            conn.execute(delete(Assessment).where(Assessment.operation_id == op_id))
            bulk_insert(conn, Assessment.__tablename__, cols, rows)
        rec.counts.update(subjects=len(rows), tiers=dict(tiers))
    return AssessResult(subjects=len(rows), tiers=dict(tiers))
