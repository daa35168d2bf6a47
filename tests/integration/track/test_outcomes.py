"""Outcomes from forces: CSV import all-or-nothing with quarantine, CLI entry, the summary."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyrage
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from safeguard import track
from safeguard.cli.main import app
from safeguard.errors import ActionRefused, DeliveryRejected, NotFoundError
from safeguard.package import keys, lifecycle
from safeguard.store.models import AuditEvent, IntelPackage, Outcome
from safeguard.track.outcomes import quarantined
from safeguard.track.stats import spread
from tests.support.operation import SmallOperation, build_small_operation

T = datetime.now(UTC).date().isoformat()
HEADER = "package,kind,date,count,offences,sentence,serious_risk,detail\n"


@pytest.fixture(scope="module")
def op(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmallOperation]:
    op = build_small_operation(tmp_path_factory.mktemp("outcomes"), accounts=150)
    keys.init_agency_key(op.settings)
    identity = pyrage.x25519.Identity.generate()
    sender = dataclasses.replace(op.settings, user="supervisor")
    with op.store.session() as s:
        refs = s.scalars(select(IntelPackage.reference).order_by(IntelPackage.reference)).all()
        recipients = set(s.scalars(select(IntelPackage.recipient_id)))
    for r in recipients:
        keys.set_recipient_key(op.store, r, str(identity.to_public()), user="admin")
    for ref in refs[:3]:
        lifecycle.approve(op.store, op.name, ref, user="supervisor")
        lifecycle.send(op.store, sender, op.name, ref, user="supervisor")
    yield op
    op.store.dispose()


def _refs(op: SmallOperation) -> list[str]:
    with op.store.session() as s:
        return list(s.scalars(select(IntelPackage.reference).order_by(IntelPackage.reference)))


def _outcomes(op: SmallOperation) -> int:
    with op.store.session() as s:
        return int(s.scalar(select(func.count()).select_from(Outcome)) or 0)


def test_spread_is_median_and_linear_p90() -> None:
    assert spread([10, 1, 3, 2, 4]) == {"n": 5, "median": 3.0, "p90": 7.6}
    assert spread([]) == {"n": 0, "median": None, "p90": None}


def test_a_bad_file_is_refused_whole_with_every_bad_row_quarantined(
    op: SmallOperation, tmp_path: Path
) -> None:
    a, b, c, draft = _refs(op)[:4]
    future = (date.fromisoformat(T) + timedelta(days=3)).isoformat()
    path = tmp_path / "force-bad.csv"
    path.write_text(
        HEADER
        + f"{a},arrest,{T},1,,,,\n"  # line 2: good
        + f"{a},arrest,{future},1,,,,\n"  # line 3: future date
        + f"nosuch-S-1,arrest,{T},1,,,,\n"  # line 4: unknown package
        + f"{b},convicted,{T},1,,2 years,,\n"  # line 5: no charge
        + f"{c},search,{T},two,,,,\n"  # line 6: count not a number
        + f"{draft},arrest,{T},1,,,,\n"  # line 7: package never sent
        + f"{c},charged,,1,IIOC,,,\n"  # line 8: missing date
        + f"{c},search,2020-01-01,1,,,,\n"  # line 9: before the package was sent
    )
    before = _outcomes(op)
    with pytest.raises(DeliveryRejected) as err:
        track.import_csv(op.store, op.name, path, user="force-admin")
    assert "nothing recorded" in str(err.value)
    assert _outcomes(op) == before
    got = {(q["line"], q["column"]) for q in quarantined(op.store, op.name)}
    assert got == {
        (3, "date"),
        (4, "package"),
        (5, "kind"),
        (6, "count"),
        (7, "package"),
        (8, "date"),
    }
    assert {q["file"] for q in quarantined(op.store, op.name)} == {"force-bad.csv"}


def test_a_good_file_imports_once_and_shows_in_the_summary(
    op: SmallOperation, tmp_path: Path
) -> None:
    a, b, c = _refs(op)[:3]
    path = tmp_path / "force.csv"
    path.write_text(
        HEADER
        + f"{a},arrest,{T},1,,,,\n"
        + f"{a},search,{T},2,,,,two addresses\n"
        + f"{a},convicted,{T},1,,3 years,,\n"  # the charge is on the next line
        + f"{a},charged,{T},1,IIOC s.160,,,\n"
        + f"{b},children_safeguarded,{T},3,,,1,\n"
        + f"{c},devices_examined,{T},4,,,,\n"
    )
    before = _outcomes(op)
    result = track.import_csv(op.store, op.name, path, user="force-admin")
    assert (result.status, result.rows) == ("imported", 6)
    assert _outcomes(op) == before + 6
    again = track.import_csv(op.store, op.name, path, user="force-admin")
    assert (again.status, again.rows) == ("already imported", 0)
    assert _outcomes(op) == before + 6
    s = track.summarise(op.store, op.name)
    assert (s.arrests, s.charged, s.convicted) == (1, 1, 1)
    assert (s.children_safeguarded, s.children_at_serious_risk) == (3, 1)
    assert (s.properties_searched, s.devices_examined) == (2, 4)
    assert s.disseminated == 3 and s.receipt_to_arrest_days["n"] == 1
    with op.store.session() as session:
        audited = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "outcome.record")
        )
        statuses = set(
            session.scalars(
                select(IntelPackage.status).where(IntelPackage.reference.in_([a, b, c]))
            )
        )
    assert audited == _outcomes(op)
    assert statuses == {"actioned"}


def test_cli_entry_refuses_what_cannot_have_happened(op: SmallOperation) -> None:
    a, _b, _c, draft = _refs(op)[:4]
    with pytest.raises(ActionRefused, match="in the future"):
        track.record_outcome(
            op.store, op.name, a, "arrest", date.fromisoformat(T) + timedelta(days=1), user="x"
        )
    with pytest.raises(ActionRefused, match="has not been sent"):
        track.record_outcome(op.store, op.name, draft, "arrest", date.fromisoformat(T), user="x")
    with pytest.raises(NotFoundError):
        track.record_outcome(op.store, op.name, "nope", "arrest", date.fromisoformat(T), user="x")
    with pytest.raises(ActionRefused, match="without an earlier charge"):
        track.record_outcome(
            op.store,
            op.name,
            _refs(op)[2],
            "convicted",
            date.fromisoformat(T),
            sentence="1 year",
            user="x",
        )


def test_summary_json_through_the_cli(op: SmallOperation, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFEGUARD_DATA_DIR", str(op.settings.data_dir))
    result = CliRunner().invoke(app, ["summary", "-o", op.name, "--json"])
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(result.stdout)
    assert doc["operation"] == op.name
    assert set(doc["packages_by_recipient"]) <= {"force", "rocu", "agency"}
    assert sum(doc["packages_by_tier"].values()) == sum(doc["packages_by_force"].values())
    text = CliRunner().invoke(app, ["summary", "-o", op.name])
    assert "receipt to arrest" in text.output


def test_report_writes_html_and_a_marked_pdf_with_charts(
    op: SmallOperation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil
    import subprocess

    _a, b, c = _refs(op)[:3]
    csv = tmp_path / "report-outcomes.csv"
    csv.write_text(HEADER + f"{b},arrest,{T},1,,,,\n{c},arrest,{T},1,,,,\n{c},visit,{T},1,,,,\n")
    track.import_csv(op.store, op.name, csv, user="force-admin")
    monkeypatch.setenv("SAFEGUARD_DATA_DIR", str(op.settings.data_dir))
    result = CliRunner().invoke(app, ["report", "-o", op.name, "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    files = json.loads(result.stdout)
    page = Path(files["html"]).read_text()
    assert page.count("OFFICIAL-SENSITIVE") >= 3  # title, header and footer
    assert page.count('src="data:image/png;base64,') == 3
    assert "http://" not in page and "https://" not in page, "nothing fetched from a network"
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) missing: run `make test`")
    text = subprocess.run(
        ["pdftotext", "-layout", files["pdf"], "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) >= 3
    for p in pages:
        lines = [ln.strip() for ln in p.splitlines() if ln.strip()]
        assert lines[0] == "OFFICIAL-SENSITIVE" and "OFFICIAL-SENSITIVE" in lines[-1]
    images = subprocess.run(
        ["pdfimages", "-list", files["pdf"]], check=True, capture_output=True, text=True
    ).stdout
    assert len(images.strip().splitlines()) - 2 >= 3, "three charts embedded"


def test_overdue_follows_the_tier_timescales(op: SmallOperation) -> None:
    from safeguard.package.queries import overdue
    from safeguard.store.models import Delivery

    with op.store.session() as s:
        received = min(s.scalars(select(Delivery.received_at)))
        rows = [
            (p.reference, p.tier, p.status, p.approved_at) for p in s.scalars(select(IntelPackage))
        ]
    # Two days after receipt: tier 1 (24 h to disseminate, 24 h to acknowledge) is late;
    # tiers 2 (3 days) and 3 (14 days) are not.
    now = received + timedelta(days=2)
    expected = {
        ref
        for ref, tier, status, approved in rows
        if tier == "1"
        and (
            status in ("draft", "approved")
            or (
                status in ("sent", "received")
                and approved is not None
                and approved < now - timedelta(hours=24)
            )
        )
    }
    late = overdue(op.store, op.name, now=now)
    assert {d["reference"] for d in late} == expected
    assert all(d["late_for"] in ("dissemination", "acknowledgement") for d in late)
    much_later = {
        d["reference"] for d in overdue(op.store, op.name, now=received + timedelta(days=30))
    }
    assert much_later == {
        ref for ref, _t, status, _a in rows if status not in ("acknowledged", "actioned")
    }
