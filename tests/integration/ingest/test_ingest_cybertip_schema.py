"""CyberTipline deliveries shaped as the public Reporting API schema: nothing lost.

The fixtures under ``tests/fixtures/cybertipline/`` are written by hand to the public ISPWS
schema (element names and order as the public client libraries build them), never with
Safeguard's own writer: ``folders/`` holds a folder per report named by its NCMEC report
id, ``manifest/`` a ``cybertipline.json`` naming the provider and each report's id, with the
``fileDetails`` documents sorting before the reports. The expected values below are read off
the fixture files by hand.
"""

from __future__ import annotations

import shutil
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from safeguard.cli.main import app
from safeguard.config import Settings
from safeguard.errors import DeliveryRejected
from safeguard.ingest import run
from safeguard.store.db import Store
from safeguard.store.models import (
    Account,
    CybertipReport,
    Delivery,
    FileEvent,
    Identifier,
    LoginEvent,
    QuarantinedRow,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "cybertipline"
SHA512_A = (
    "07e547d9586f6a73f73fbac0435ed76951218fb7d0c8d788a309d785436bbb64"
    "2e93a252a954f23912547d1e8a3b5ed6e1bfd7097821233fa0538f3db854fee6"
)
SHA512_B = (
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
    "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
)


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _zip(src: Path, archive: Path) -> Path:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(src.rglob("*")):
            if path.is_file():
                zf.write(path, f"delivery/{path.relative_to(src).as_posix()}")
    return archive


def _delivery(tmp_path: Path, name: str, as_zip: bool) -> Path:
    src = FIXTURES / name
    return _zip(src, tmp_path / f"{name}.zip") if as_zip else src


def _account(store: Store, platform: str, key: str) -> tuple[Account, dict[str, Any]]:
    with store.session() as s:
        account = s.scalars(
            select(Account).where(Account.platform == platform, Account.platform_account_id == key)
        ).one()
        aid = account.id
        out: dict[str, Any] = {
            "identifiers": sorted(
                (i.kind, i.norm) for i in s.scalars(select(Identifier).where(
                    Identifier.account_id == aid))
            ),
            "logins": sorted(
                (e.ip, e.port, e.ts, e.kind) for e in s.scalars(select(LoginEvent).where(
                    LoginEvent.account_id == aid))
            ),
            "files": sorted(
                (f.platform_event_id, f.ts, f.file_name, f.md5, f.sha1, f.sha256, f.sha512)
                for f in s.scalars(select(FileEvent).where(FileEvent.account_id == aid))
            ),
            "reports": sorted(
                (r.report_id, r.incident_type, r.incident_ts, r.attributes)
                for r in s.scalars(select(CybertipReport).where(
                    CybertipReport.account_id == aid))
            ),
        }  # fmt: skip
    return account, out


@pytest.mark.parametrize("as_zip", [False, True], ids=["folder", "zip"])
def test_a_folder_per_report_keeps_every_field(
    tmp_path: Path, store: Store, settings: Settings, as_zip: bool
) -> None:
    result = run(store, settings, _delivery(tmp_path, "folders", as_zip), "op")
    assert result.format == "ncmec-cybertipline" and result.quarantined == 0
    account, got = _account(store, "ExampleChat", "88001")
    assert (account.username, account.display_name) == ("blue_kite", "Blue Kite")
    assert (account.email, account.phone) == ("blue.kite@mail.example", "+12025550123")
    assert account.date_of_birth == date(1990, 2, 3)
    assert (account.declared_country, account.declared_city) == ("GB", "Skipton")
    assert (account.declared_postcode, account.declared_district) == ("BD20 6AB", "BD20")
    assert got["identifiers"] == [
        ("device_id", "354123456789012"),
        ("email", "blue.kite@mail.example"),
        ("email", "robin.example@mail.example"),
        ("name", "bk"),
        ("name", "blue kite"),
        ("name", "kite r."),
        ("name", "robin example"),
        ("name", "robin k"),
        ("phone", "+12025550123"),
        ("phone", "+353855550179"),
        ("postcode", "BD20 6AB"),
        ("username", "blue_kite"),
    ]
    assert got["logins"] == [
        ("100.64.12.7", 51234, _t("2024-01-14T08:00:00"), "login"),
        ("100.64.12.7", 51240, _t("2024-01-14T08:05:00"), "upload"),
        ("100.64.12.9", 40001, _t("2024-02-20T18:55:00"), "login"),
        ("100.64.12.9", 40007, _t("2024-02-20T18:58:00"), "upload"),
        ("2001:db8::7", None, _t("2023-12-01T08:30:00"), "registration"),
    ]
    assert got["files"] == [
        ("100000001:a1f0", _t("2024-01-14T08:05:00"), "holiday.jpg",
         "9e107d9d372bb6826bd81d3542a419d6", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12",
         "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592", SHA512_A),
        ("100000002:c3d4", _t("2024-02-20T18:58:00"), None, None, None, None, SHA512_B),
    ]  # fmt: skip
    attrs = account.attributes
    assert attrs["display_names"] == ["Blue Kite", "Kite R.", "BK", "Robin K"]
    assert (attrs["first_name"], attrs["last_name"]) == ("Robin", "Example")
    assert attrs["street_address"] == "12 Example Street"
    assert attrs["address_region"] == "North Yorkshire"
    assert attrs["estimated_location_city"] == "Skipton"
    assert attrs["estimated_location_region"] == "North Yorkshire"
    assert attrs["estimated_location_country"] == "GB"
    assert attrs["profile_urls"] == ["https://chat.example/u/blue_kite"]
    assert attrs["esp_service"] == "ExampleChat Rooms"
    assert attrs["possible_proxy_ips"] == ["2001:db8::7"]
    assert attrs["ncmec_report_ids"] == ["100000001", "100000002"]
    other = attrs["reported_person_other"]
    assert (other["priorCTReports"], other["groupIdentifier"], other["age"]) == (
        "99000001", "room-77", "34")  # fmt: skip
    details = attrs["file_details"]["100000001:a1f0"]
    assert details["location_of_file"] == "https://cdn.chat.example/m/a1f0"
    assert details["publicly_available"] == "false"
    assert details["file_annotations"] == ["generativeAi"]
    assert details["industry_classification"] == "A1"
    assert details["additional_info"] == ["Sent to three rooms"]
    assert attrs["file_details"]["100000002:c3d4"]["publicly_available"] == "true"
    (id1, type1, ts1, rec1), (id2, type2, ts2, rec2) = got["reports"]
    assert (id1, ts1, id2, ts2) == (
        "100000001", _t("2024-01-15T14:30:00"), "100000002", _t("2024-02-20T19:00:00"))  # fmt: skip
    assert type1 == "Child Pornography (possession, manufacture, and distribution)"
    assert type2 == "Online Enticement of Children for Sexual Acts"
    assert rec1["report_annotations"] == ["sextortion", "csamSolicitation"]
    assert rec2["report_annotations"] == ["minorToMinorInteraction"]
    assert rec1["internet_urls"] == ["https://chat.example/rooms/77",
                                     "https://chat.example/u/blue_kite"]  # fmt: skip
    assert rec2["internet_urls"] == ["https://chat.example/rooms/91"]
    assert rec1["additional_info"] == "Reported after a user flag"
    assert rec1["person_additional_info"] == "Account created two days before the first upload"
    with store.session() as s:
        delivery = s.scalars(select(Delivery)).one()
        assert delivery.platform == "ExampleChat"


@pytest.mark.parametrize("as_zip", [False, True], ids=["folder", "zip"])
def test_a_manifest_names_provider_and_report_ids_and_file_details_may_sort_first(
    tmp_path: Path, store: Store, settings: Settings, as_zip: bool
) -> None:
    result = run(store, settings, _delivery(tmp_path, "manifest", as_zip), "op")
    assert result.format == "ncmec-cybertipline" and result.quarantined == 0
    owl, got = _account(store, "ExampleShare", "u-5501")
    assert (owl.phone, owl.declared_country, owl.declared_postcode) == (
        "+353855550179", "IE", "H91 E2K3")  # fmt: skip
    assert ("email", "green.owl@mail.example") in got["identifiers"]
    assert got["logins"] == [("192.0.2.44", 443, _t("2024-02-28T21:15:00"), "login")]
    sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert got["files"] == [
        ("200000001:f-1", _t("2024-03-01T10:00:00"), None, None, None, sha256, None)
    ]
    assert [r[0] for r in got["reports"]] == ["200000001"]
    assert owl.attributes["estimated_location_region"] == "Connacht"
    fox, got = _account(store, "ExampleShare", "u-7702")
    assert fox.phone == "+447700900456"
    assert got["logins"] == [
        ("203.0.113.8", 8443, _t("2024-03-02T10:40:00"), "upload"),
        ("203.0.113.8", 8443, _t("2024-03-02T10:41:00"), "upload"),
    ]
    md5 = "d41d8cd98f00b204e9800998ecf8427e"
    assert got["files"] == [
        ("200000002:f-9", _t("2024-03-02T10:41:00"), "IMG_0042.JPG", md5, None, None, None)
    ]
    assert result.tables["files/0001.xml"] == {"accepted": 2, "quarantined": 0,
                                               "values_dropped": 0}  # fmt: skip


def _copy(name: str, dest: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / name, dest))


def test_a_file_details_document_of_no_report_is_quarantined(
    tmp_path: Path, store: Store, settings: Settings
) -> None:
    src = _copy("manifest", tmp_path / "d")
    stray = (src / "files" / "0001.xml").read_text(encoding="utf-8")
    (src / "files" / "0003.xml").write_text(stray.replace("200000002", "999"), "utf-8")
    result = run(store, settings, src, "op")
    with store.session() as s:
        row = s.scalars(select(QuarantinedRow)).one()
    assert (row.file, row.reason, row.column) == ("files/0003.xml", "unknown_report", "reportId")
    assert result.tables["files/0003.xml"]["quarantined"] == 1


def _count(store: Store, model: Any) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_delivery_whose_every_report_is_refused_is_an_error_and_stores_nothing(
    tmp_path: Path, store: Store, settings: Settings
) -> None:
    src = _copy("folders", tmp_path / "d")
    (src / "cybertipline.json").unlink()  # no provider named anywhere
    with pytest.raises(DeliveryRejected, match="every report of the delivery was refused"):
        run(store, settings, src, "op")
    assert _count(store, Delivery) == 0 and _count(store, Account) == 0
    assert _count(store, QuarantinedRow) == 0 and _count(store, FileEvent) == 0


def test_the_cli_says_so_in_one_line_with_a_non_zero_exit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SAFEGUARD_DATABASE_URL", raising=False)
    monkeypatch.setenv("SAFEGUARD_DATA_DIR", str(tmp_path / "data"))
    src = _copy("folders", tmp_path / "d")
    (src / "cybertipline.json").unlink()
    out = CliRunner().invoke(app, ["ingest", str(src), "--operation", "op", "--json"])
    assert out.exit_code == 4  # a rejected delivery (docs/cli.md)
    message = " ".join(line.strip() for line in out.output.splitlines())  # one line, wrapped
    assert message.startswith("error: every report of the delivery was refused")
    assert "Traceback" not in out.output and out.output.count("error:") == 1


def test_a_mostly_refused_delivery_says_so_loudly(
    tmp_path: Path, store: Store, settings: Settings
) -> None:
    src = _copy("folders", tmp_path / "d")
    for n in range(6):
        (src / f"broken-{n}.xml").write_text("<report><reporter>\n", encoding="utf-8")
    (src / "100000002" / "report.xml").write_text("<report>\n", encoding="utf-8")
    result = run(store, settings, src, "op")
    assert any(note.startswith("WARNING: most records") for note in result.notes)


def test_sha512_hashes_match_a_hash_set_like_the_other_exact_hashes(
    tmp_path: Path, store: Store, settings: Settings
) -> None:
    from safeguard import match
    from safeguard.hashsets import import_hash_set
    from safeguard.store.models import FileMatch

    known = tmp_path / "known.csv"
    known.write_text(f"sha512,category\n{SHA512_A.upper()},A\n{SHA512_B},C\n", encoding="utf-8")
    import_hash_set(store, known, name="known")
    run(store, settings, FIXTURES / "folders", "op")
    match.run(store, settings, "op")
    with store.session() as s:
        got = sorted(
            (fe.platform_event_id, m.method, m.category)
            for m, fe in s.execute(
                select(FileMatch, FileEvent).join(
                    FileEvent, FileEvent.id == FileMatch.file_event_id
                )
            ).all()
        )
    assert got == [("100000001:a1f0", "sha512", "A"), ("100000002:c3d4", "sha512", "C")]
