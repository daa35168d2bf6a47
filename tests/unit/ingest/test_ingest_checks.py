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


def test_hashes_are_lower_cased_and_bad_ones_refused() -> None:
    good = "0123456789abcdef" * 2
    values = pa.array([good, None, f" {good.upper()} ", good[:-1], "g" * 32, good])
    out, issues = checks.check_hex(values, 32)
    assert out.to_pylist() == [good, None, good, None, None, good]
    assert [(set(where.nonzero()[0].tolist()), reason) for where, reason in issues] == [
        ({3, 4}, Reason.BAD_HASH)
    ]


def test_clean_hashes_come_back_unchanged() -> None:
    values = pa.array(["ab" * 16, None, "cd" * 16])
    out, issues = checks.check_hex(values, 32)
    assert out.to_pylist() == values.to_pylist() and issues == []


def test_enums_are_case_insensitive_with_a_default_for_empty_cells() -> None:
    values = pa.array(["upload", " Download ", None, "sideways", "share"])
    out, issues = checks.check_enum(values, ["upload", "download", "share"], default="upload")
    assert out.to_pylist() == ["upload", "download", "upload", None, "share"]
    assert [(set(where.nonzero()[0].tolist()), reason) for where, reason in issues] == [
        ({3}, Reason.BAD_ENUM)
    ]
