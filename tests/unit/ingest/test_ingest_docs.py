"""docs/formats.md cannot drift from the code."""

from __future__ import annotations

from pathlib import Path

from safeguard.ingest.formats import FORMATS
from safeguard.ingest.reasons import Reason

DOC = Path(__file__).parents[3] / "docs" / "formats.md"


def test_every_quarantine_reason_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert [r.value for r in Reason if f"| `{r.value}` |" not in text] == []


def test_every_delivery_format_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert [f.name for f in FORMATS if f"`{f.name}`" not in text] == []
