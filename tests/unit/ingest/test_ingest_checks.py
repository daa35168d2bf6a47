"""Timestamp checks: a few unparseable values in a big batch cost only themselves."""

from __future__ import annotations

import pyarrow as pa
import pytest

from safeguard.ingest import checks
from safeguard.ingest.checks import check_timestamp
from safeguard.ingest.reasons import Reason


def test_bad_values_among_many_are_found_without_parsing_every_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = [f"2020-01-{1 + i % 28:02d}T10:00:{i % 60:02d}Z" for i in range(5000)]
    rows[17] = "2019-02-30T00:00:00Z"  # shaped like a timestamp, no such day
    rows[4321] = "2020-01-01T10:00:00+01:00"  # an offset: converted to UTC
    rows[4999] = "yesterday"
    seen: list[int] = []
    per_row = checks._cast_rows

    def counting(values: pa.Array) -> pa.Array:
        seen.append(len(values))
        return per_row(values)

    monkeypatch.setattr(checks, "_cast_rows", counting)
    text, issues = check_timestamp(pa.array(rows))
    out = text.to_pylist()
    assert out[0] == "2020-01-01 10:00:00.000000"
    assert out[17] is None and out[4999] is None
    assert out[4321] == "2020-01-01 09:00:00.000000"
    assert sum(seen) <= 2 * checks._ROWWISE  # only the pieces holding a bad value
    bad = {reason: set(where.nonzero()[0]) for where, reason in issues}
    assert bad == {Reason.BAD_TIMESTAMP: {17, 4999}}
