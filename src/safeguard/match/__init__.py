"""Matching: file hashes against known-material hash sets, and the per-account summary.

:func:`run` is the match stage; :class:`MatchEngine` is the store-independent engine that
device scans and the matching API use too (build it with :func:`load_engine`).
"""

from __future__ import annotations

from safeguard.match.engine import METHODS, SEVERITY, MatchEngine, Matches, SetRef
from safeguard.match.load import load_engine
from safeguard.match.stage import MatchResult, run

__all__ = [
    "METHODS",
    "SEVERITY",
    "MatchEngine",
    "MatchResult",
    "Matches",
    "SetRef",
    "load_engine",
    "run",
]
