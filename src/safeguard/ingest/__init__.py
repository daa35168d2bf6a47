"""Ingest of partner deliveries: validated, quarantined, idempotent, all or nothing.

``run`` is the stage's one entry point; the normalisers other stages share live in
:mod:`safeguard.ingest.normalise`.
"""

from __future__ import annotations

from safeguard.ingest.stage import IngestResult, run

__all__ = ["IngestResult", "run"]
