"""Property-based tests of the parsers and normalisers (hypothesis)."""

from __future__ import annotations

import csv
import ipaddress
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
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

E164 = re.compile(r"\+[1-9][0-9]{1,14}")
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
def test_normalisers_return_canonical_forms_or_none_on_junk(raw: str) -> None:
    email = normalise_email(raw)
    if email is not None:
        assert email[0] == email[0].strip().lower() and email[0].count("@") == 1
    ip = normalise_ip(raw)
    if ip is not None:
        assert str(ipaddress.ip_address(ip)) == ip
    phone = normalise_phone(raw, "GB")
    if phone is not None:
        assert E164.fullmatch(phone), phone
    pc = normalise_postcode(raw)
    if pc is not None:
        assert normalise_postcode(pc[0]) == pc


@given(st.text(alphabet=st.characters(blacklist_categories=["Nd"]), max_size=20))
def test_text_without_digits_is_no_phone_ip_or_postcode(raw: str) -> None:
    assert normalise_phone(raw, "GB") is None
    assert normalise_postcode(raw) is None
    assert normalise_ip(raw) is None or ":" in raw  # "::" is an IPv6 address


@given(
    st.datetimes(
        min_value=datetime(1970, 1, 2), max_value=datetime(2099, 12, 30), timezones=offsets
    )
)
def test_timestamps_in_range_are_read_as_the_same_instant_in_utc(value: datetime) -> None:
    parsed = parse_timestamp(value.isoformat())
    assert parsed.utcoffset() == timedelta(0)
    assert parsed == value


@given(
    st.one_of(
        st.datetimes(max_value=datetime(1969, 12, 30), timezones=offsets),
        st.datetimes(min_value=datetime(2100, 1, 2), timezones=offsets),
    )
)
def test_timestamps_out_of_range_are_refused(value: datetime) -> None:
    with pytest.raises(ValueError, match="out of range"):
        parse_timestamp(value.isoformat())


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2099, 12, 30)))
def test_timestamps_without_an_offset_are_refused(value: datetime) -> None:
    with pytest.raises(ValueError, match="no UTC offset"):
        parse_timestamp(value.isoformat())


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
