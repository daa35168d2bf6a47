"""A police-checks returns file is validated like a delivery: nothing silently accepted."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from safeguard.assess.enrichment import load_checks
from safeguard.errors import FormatError
from safeguard.store.db import Store
from safeguard.store.models import CheckFinding, ChecksQuarantine

RETURNS = """kind,value,source,finding,detail,date,force_id
email,a.person@example.org,PNC,prior_sexual_offence,,2011-03-04,kent
email,b.person@example.org,PNC,prior_sexual_offense,,,
nickname,Len,PND,no_trace,,,
name_dob,Leonard Calvren 1980-04-07,PNC,prior_other_offence,,,
name_dob,Leonard Calvren|1980-04-07,ViSOR,registered_sex_offender,,,
phone,not a phone,PND,no_trace,,,
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "checks.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_rows_are_quarantined_with_line_and_reason(store: Store, tmp_path: Path) -> None:
    op = store.operation_id("op", create=True, user="t")
    result = load_checks(store, op, write(tmp_path, RETURNS), user="analyst")
    assert result.rows == 2
    got = [(q.line, q.column, q.reason) for q in result.quarantined]
    assert got == [
        (3, "finding", "unknown_finding"),
        (4, "kind", "unknown_kind"),
        (5, "value", "bad_name_dob"),
        (7, "value", "bad_phone"),
    ]
    assert "prior_sexual_offence" in result.quarantined[0].detail  # did you mean
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(ChecksQuarantine)) == 4
        kept = s.scalars(select(CheckFinding).order_by(CheckFinding.line)).all()
    assert [(c.line, c.finding) for c in kept] == [
        (2, "prior_sexual_offence"),
        (6, "registered_sex_offender"),
    ]
    again = load_checks(store, op, write(tmp_path, RETURNS), user="analyst")
    assert again.already_loaded and again.load_id == result.load_id


def test_a_file_missing_a_column_is_refused_whole(store: Store, tmp_path: Path) -> None:
    op = store.operation_id("op", create=True, user="t")
    with pytest.raises(FormatError, match="missing column"):
        load_checks(store, op, write(tmp_path, "kind,value,source\nemail,a@b.org,PNC\n"))
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(CheckFinding)) == 0
