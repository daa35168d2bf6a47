"""Assess: each subject's risk to children, as a tier with explained, evidenced reasons.

The system ranks for humans: a tier orders the triage queue, it decides nothing. The rules
are data (``assess/ruleset``); analysts' overrides are applied again on every run
(``assess/overrides.py``); every run is kept as a version (``assess/versions.py``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert

from safeguard.assess.facts import SubjectFacts
from safeguard.assess.lexicon import load_lexicon
from safeguard.assess.load import RegisterHit, SubjectInputs, load_inputs
from safeguard.assess.overrides import ActiveOverride, active_overrides
from safeguard.assess.queue import QUEUE_COLUMNS, copy_attribution, copy_roles, queue_columns
from safeguard.assess.reasons import ReasonSink
from safeguard.assess.ruleset import Ruleset, load_ruleset, read_ruleset
from safeguard.assess.versions import run_inputs
from safeguard.config import Settings
from safeguard.progress import NULL_PROGRESS, Progress
from safeguard.records import Stage, Tier
from safeguard.store.bulk import bulk_insert, json_text
from safeguard.store.db import Store
from safeguard.store.models import Assessment, AssessmentRun, CheckMatch
from safeguard.store.runs import record_run

__all__ = ["AssessResult", "assess_subject", "run"]

_COLUMNS = (
    "operation_id",
    "subject_id",
    "tier",
    "score",
    "reasons",
    "ruleset_version",
    "ruleset_name",
    "ruleset_hash",
    "run_id",
    "deconfliction",
    "override_tier",
    "override_justification",
    "override_author",
    "override_id",
    "facts_changed",
    *QUEUE_COLUMNS,
)


@dataclass(frozen=True)
class AssessResult:
    subjects: int
    tiers: dict[str, int] = field(default_factory=dict)
    run_id: int = 0
    facts_changed: int = 0


def assess_subject(facts: SubjectFacts, ruleset: Ruleset | None = None) -> tuple[Tier, ReasonSink]:
    """Run the ruleset's factors (default: the built-in ruleset) over one subject's facts."""
    return (ruleset or read_ruleset()).assess(facts)


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


@dataclass
class _Batch:
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    snapshot: dict[str, list[Any]] = field(default_factory=dict)
    tiers: Counter[str] = field(default_factory=Counter)
    facts_changed: int = 0


def _assess_all(
    ruleset: Ruleset,
    inputs: SubjectInputs,
    overrides: dict[str, ActiveOverride],
    op_id: int,
    progress: Progress,
) -> _Batch:
    batch = _Batch()
    with progress.task("assess subjects", total=len(inputs.labels)) as task:
        for facts in inputs.facts():
            tier, sink = ruleset.assess(facts)
            codes = sink.codes
            ov = overrides.get(facts.label)
            changed = ov is not None and set(codes) != ov.reason_codes
            batch.facts_changed += changed
            batch.tiers[ov.tier if ov else tier.value] += 1
            batch.snapshot[facts.label] = [
                tier.value, ov.tier if ov else None, sink.score, codes, len(facts.account_ids)
            ]  # fmt: skip
            reasons = [r.to_json() for r in sink.reasons]
            queued = queue_columns(facts.label, len(facts.account_ids), reasons)
            batch.rows.append(
                (
                    op_id, facts.subject_id, tier.value, sink.score, json_text(reasons),
                    ruleset.label, ruleset.name, ruleset.sha256, None,
                    _deconfliction(inputs.register[facts.subject_id]),
                    ov.tier if ov else None, ov.justification if ov else None,
                    ov.author if ov else None, ov.id if ov else None, changed,
                    *queued[:3], json_text(queued[3]),
                )
            )  # fmt: skip
            task.advance()
    return batch


def run(
    store: Store, settings: Settings, operation: str, *, progress: Progress = NULL_PROGRESS
) -> AssessResult:
    op_id = store.operation_id(operation)
    ruleset = load_ruleset(settings)
    scanner = load_lexicon(settings.lexicon).scanner()
    config = {
        "ruleset": ruleset.label,
        "ruleset_hash": ruleset.sha256,
        "factors": [f.name for f, _ in ruleset.factors],
        "lexicon": str(settings.lexicon or "built-in"),
    }
    with record_run(store, op_id, Stage.ASSESS, config) as rec:
        with rec.timed("load"), store.transaction() as conn:
            inputs = load_inputs(conn, op_id, scanner)
            overrides = active_overrides(conn, op_id)
            seen = {**run_inputs(conn, op_id), "ruleset": ruleset.label + "@" + ruleset.sha256}
        batch = _assess_all(ruleset, inputs, overrides, op_id, progress)
        with rec.timed("write"), store.transaction() as conn:
            run_id = _write(
                conn, op_id=op_id, stage_run_id=rec.run_id, ruleset=ruleset, seen=seen,
                batch=batch, inputs=inputs,
            )  # fmt: skip
        rec.counts.update(
            subjects=len(batch.rows), tiers=dict(batch.tiers), facts_changed=batch.facts_changed
        )
    return AssessResult(len(batch.rows), dict(batch.tiers), run_id, batch.facts_changed)


def _write(
    conn: Any,
    *,
    op_id: int,
    stage_run_id: int,
    ruleset: Ruleset,
    seen: dict[str, Any],
    batch: _Batch,
    inputs: SubjectInputs,
) -> int:
    version = conn.execute(
        insert(AssessmentRun).values(
            operation_id=op_id,
            stage_run_id=stage_run_id,
            ruleset_name=ruleset.name,
            ruleset_version=ruleset.version,
            ruleset_hash=ruleset.sha256,
            inputs=seen,
            snapshot=batch.snapshot,
        )
    ).inserted_primary_key
    run_id = int(version[0])
    rows = [(*r[:8], run_id, *r[9:]) for r in batch.rows]
    conn.execute(delete(Assessment).where(Assessment.operation_id == op_id))
    bulk_insert(conn, Assessment.__tablename__, _COLUMNS, rows)
    copy_attribution(conn, op_id)
    copy_roles(conn, op_id)
    conn.execute(delete(CheckMatch).where(CheckMatch.operation_id == op_id))
    bulk_insert(
        conn,
        CheckMatch.__tablename__,
        ("operation_id", "check_id", "subject_id", "status", "score", "fields"),
        ((op_id, *m) for m in inputs.check_matches),
    )
    return run_id
