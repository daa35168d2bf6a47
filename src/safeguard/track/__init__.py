"""Track: what recipients did with the packages, and the operation's figures.

:mod:`outcomes` records outcome events (CLI entry and force CSV import); :mod:`stats`
computes the operation summary the CLI and web overview show; :mod:`report` writes the
operation report. ``run`` (the pipeline stage) computes the summary and records it.
"""

from __future__ import annotations

from safeguard.records import Stage
from safeguard.store.db import Store
from safeguard.store.runs import record_run
from safeguard.track.outcomes import OUTCOME_KINDS, import_csv, record_outcome
from safeguard.track.stats import OperationSummary, summarise

__all__ = ["OUTCOME_KINDS", "OperationSummary", "import_csv", "record_outcome", "run", "summarise"]


def run(store: Store, operation: str) -> OperationSummary:
    """Compute and record the operation's figures as a ``track`` stage run."""
    op_id = store.operation_id(operation)
    with record_run(store, op_id, Stage.TRACK, {}) as rec:
        summary = summarise(store, operation)
        rec.counts.update(summary.to_json())
    return summary
