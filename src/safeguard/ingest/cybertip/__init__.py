"""NCMEC CyberTipline reports: mapping a parsed report to our records, and storing them.

The wire format (safe XML parsing, detection, the delivery's files) is
:mod:`safeguard.ingest.formats.cybertip`; :func:`map_report` is pure and testable apart.
"""

from __future__ import annotations

from safeguard.ingest.cybertip.mapping import map_report
from safeguard.ingest.cybertip.model import MappedReport, Problem

__all__ = ["MappedReport", "Problem", "map_report"]
