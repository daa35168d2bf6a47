"""Target times by risk tier: the one place their defaults live (``docs/packages.md``).

``timescale(tier)`` is the only lookup the rest of the code uses, so the ruleset file can
supply per-tier timescales later by changing this one function.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

__all__ = ["DEFAULT_TIMESCALES", "Timescale", "timescale"]


@dataclass(frozen=True)
class Timescale:
    """How long dissemination may take from receipt of the delivery, and acknowledgement
    from approval; ``action`` is the recommended action printed in the package."""

    disseminate: timedelta
    acknowledge: timedelta
    action: str


#: Defaults by tier (tier 1 is the highest risk to children).
DEFAULT_TIMESCALES: dict[str, Timescale] = {
    "1": Timescale(
        timedelta(hours=24),
        timedelta(hours=24),
        "Immediate: develop and consider executive action within 24 hours of receipt.",
    ),
    "2": Timescale(
        timedelta(days=3),
        timedelta(days=3),
        "Urgent: develop and consider executive action within 7 days of receipt.",
    ),
    "3": Timescale(
        timedelta(days=14),
        timedelta(days=7),
        "Routine: develop and consider action within 28 days of receipt.",
    ),
    "4": Timescale(
        timedelta(days=28),
        timedelta(days=14),
        "For information: record and develop as resources allow.",
    ),
}


def timescale(tier: str) -> Timescale:
    """The target times for ``tier``; an unknown tier gets the lowest tier's times."""
    return DEFAULT_TIMESCALES.get(str(tier), DEFAULT_TIMESCALES["4"])
