"""Test data vendored in the repository (``tests/data``; each folder says where it came from)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["DATA", "GEOIP"]

DATA = Path(__file__).resolve().parents[1] / "data"
#: MaxMind's test databases (``tests/data/geoip/README.md``).
GEOIP = DATA / "geoip"
