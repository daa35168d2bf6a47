"""Property-based tests of the parsers and normalisers (hypothesis)."""

from __future__ import annotations

import csv
import ipaddress
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safeguard.ingest.normalise import (
    normalise_email,
    normalise_ip,
    normalise_phone,
    normalise_postcode,
    parse_timestamp,
)
from safeguard.ingest.tables import read_table

cell = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=30
)
offsets = st.builds(
    timezone, st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23))
)


@given(st.ip_addresses())
def test_ip_normalisation_is_canonical_and_idempotent(addr: ipaddress._BaseAddress) -> None:
    norm = normalise_ip(str(addr))
    assert norm is not None
    assert normalise_ip(norm) == norm
    assert normalise_ip(norm.upper()) == norm
    assert ipaddress.ip_address(norm).version in (4, 6)


@given(st.ip_addresses(v=4))
def test_mapped_ipv4_is_plain_ipv4(addr: ipaddress.IPv4Address) -> None:
    assert normalise_ip(f"::ffff:{addr}") == str(addr)


@given(st.emails())
def test_email_normalisation_is_idempotent(email: str) -> None:
    first = normalise_email(email)
    if first is not None:
        assert normalise_email(first[0]) == first
        assert normalise_email(f"  {email.upper()} ") == first


@given(st.text(max_size=20))
def test_normalisers_never_raise_on_junk(raw: str) -> None:
    normalise_email(raw)
    normalise_ip(raw)
    normalise_phone(raw, "GB")
    pc = normalise_postcode(raw)
    if pc is not None:
        assert normalise_postcode(pc[0]) == pc


@given(st.datetimes(timezones=offsets))
def test_timestamps_are_utc_or_refused(value: datetime) -> None:
    try:
        parsed = parse_timestamp(value.isoformat())
    except ValueError:
        return
    assert parsed.utcoffset() == timedelta(0)
    assert parsed == value


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(cell, cell), min_size=1, max_size=20))
def test_csv_cells_read_back_exactly(tmp_path: Path, rows: list[tuple[str, str]]) -> None:
    path = tmp_path / "t.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["a", "b"])
        writer.writerows(rows)
    got = [r for tb in read_table(path) for r in tb.batch.to_pylist()]
    assert got == [{"a": a or None, "b": b or None} for a, b in rows]


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.dictionaries(st.sampled_from(["a", "b"]), cell), min_size=1, max_size=20))
def test_jsonl_records_read_back_exactly(tmp_path: Path, docs: list[dict[str, str]]) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    got = [r for tb in read_table(path) for r in tb.batch.to_pylist()]
    assert [{k: v for k, v in r.items() if v is not None} for r in got] == [
        {k: v for k, v in d.items() if v} for d in docs
    ]
