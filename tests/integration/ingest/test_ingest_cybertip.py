"""CyberTipline report deliveries: stored as accounts and events, hostile XML refused whole."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from safeguard.cli.main import app
from safeguard.config import Settings
from safeguard.errors import DeliveryRejected
from safeguard.ingest import run
from safeguard.ingest.testing import (
    cybertip_file_details_xml,
    cybertip_report_xml,
    write_cybertip_delivery,
)
from safeguard.store.db import Store
from safeguard.store.models import (
    Account,
    Delivery,
    FileEvent,
    Identifier,
    LoginEvent,
    QuarantinedRow,
)

MD5 = "0123456789abcdef0123456789abcdef"
SHA1 = "0123456789abcdef0123456789abcdef01234567"


def _count(store: Store, model: Any) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _report(n: int, **kw: Any) -> str:
    ip = {
        "ipAddress": f"192.0.2.{n % 250 + 1}",
        "eventName": "Login",
        "dateTime": "2020-02-01T10:00:00Z",
        "possibleProxy": "true" if n == 1 else "false",
    }
    args: dict[str, Any] = {"esp_id": f"u-{n}", "screen_name": f"user{n}",
                            "emails": [f"user{n}@example.com"], "ip_events": [ip]}  # fmt: skip
    args.update(kw)
    return cybertip_report_xml(**args)


def _file(report_id: str, n: int) -> str:
    upload = {"ipAddress": "198.51.100.9", "dateTime": "2020-02-03T10:00:00Z"}
    return cybertip_file_details_xml(report_id, file_id=f"f{n}", file_name=f"item{n}.jpg",
                                     hashes={"MD5": MD5, "SHA1": SHA1},
                                     ip_events=[upload])  # fmt: skip


def _reports(root: Path, docs: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, doc in docs.items():
        (root / name).write_text(doc, encoding="utf-8")
    return root


def test_reports_become_accounts_identifiers_logins_and_uploads(
    tmp_path: Path, store: Store, settings: Settings
) -> None:
    docs = {"1001": (_report(1), [_file("1001", 1)]),
            "1002": (_report(2, country="FR"), [_file("1002", 2)])}  # fmt: skip
    src = write_cybertip_delivery(tmp_path / "d", docs)
    result = run(store, settings, src, "op")
    assert result.created and result.format == "ncmec-cybertipline"
    ok = {"accepted": 2, "quarantined": 0, "values_dropped": 0}
    assert result.tables["1001/report.xml"] == ok and result.tables["1001/file-1.xml"] == ok
    with store.session() as s:
        accounts = {a.platform_account_id: a for a in s.scalars(select(Account))}
        assert set(accounts) == {"u-1", "u-2"}
        a1 = accounts["u-1"]
        assert a1.platform == "ExampleShare" and a1.username == "user1"
        assert a1.attributes["estimated_location_country"] == "GB"
        assert accounts["u-2"].attributes["estimated_location_country"] == "FR"
        assert a1.attributes["possible_proxy_ips"] == ["192.0.2.2"]
        kinds = set(tuple(r) for r in s.execute(select(Identifier.kind, Identifier.norm).where(
            Identifier.account_id == a1.id)).all())  # fmt: skip
        assert ("email", "user1@example.com") in kinds and ("username", "user1") in kinds
        logins = sorted(tuple(r) for r in s.execute(select(LoginEvent.ip, LoginEvent.kind).where(
            LoginEvent.account_id == a1.id)).all())  # fmt: skip
        assert logins == [("192.0.2.2", "login"), ("198.51.100.9", "upload")]
        fe = s.scalars(select(FileEvent).where(FileEvent.account_id == a1.id)).one()
        assert (fe.direction, fe.md5, fe.sha1, fe.platform_event_id) == (
            "upload", MD5, SHA1, "1001:f1")  # fmt: skip
        delivery = s.scalars(select(Delivery)).one()
        assert delivery.platform == "ExampleShare"
    again = run(store, settings, src, "op")
    assert not again.created and again.delivery_id == result.delivery_id
    assert _count(store, Account) == 2


def test_a_zip_of_many_reports_is_one_delivery(
    tmp_path: Path, store: Store, settings: Settings
) -> None:
    archive = tmp_path / "reports.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for n in range(60):
            zf.writestr(f"reports/{n + 100}/report.xml", _report(n))
            zf.writestr(f"reports/{n + 100}/file.xml", _file(str(n + 100), n))
        zf.writestr("reports/readme.txt", "covering note")
    result = run(store, settings, archive, "op")
    assert result.records["reports"] == 60 and _count(store, Account) == 60
    assert _count(store, FileEvent) == 60 and _count(store, Delivery) == 1
    assert any("readme.txt" in note for note in result.notes)


def test_reports_about_one_user_make_one_account(
    tmp_path: Path, store: Store, settings: Settings
) -> None:
    docs = {"10": (_report(5), [_file("10", 1)]), "11": (_report(5), [])}
    run(store, settings, write_cybertip_delivery(tmp_path / "d", docs), "op")
    with store.session() as s:
        account = s.scalars(select(Account)).one()
        assert account.attributes["cybertip_reports"] == ["10/report.xml", "11/report.xml"]
        assert account.attributes["ncmec_report_ids"] == ["10", "11"]
    assert _count(store, LoginEvent) == 3


def test_missing_required_elements_are_quarantined_with_file_and_line(
    tmp_path: Path, store: Store, settings: Settings
) -> None:
    broken = "<report>\n<reporter><espName>X</espName>\n</report>\n"
    no_user = _report(2, esp_id=None, screen_name="")
    person_line = no_user.splitlines().index("<personOrUserReported>") + 1
    docs = {"good.xml": _report(1), "no-user.xml": no_user, "broken.xml": broken}
    src = _reports(tmp_path / "d", docs)
    result = run(store, settings, src, "op")
    assert _count(store, Account) == 1
    with store.session() as s:
        rows = {r.file: r for r in s.scalars(select(QuarantinedRow))}
    assert rows["no-user.xml"].reason == "missing_value"
    assert rows["no-user.xml"].column == "personOrUserReported/espIdentifier"
    assert rows["no-user.xml"].line == person_line
    assert (rows["broken.xml"].reason, rows["broken.xml"].line) == ("bad_report", 3)
    assert result.tables["no-user.xml"]["quarantined"] == 1


@pytest.mark.parametrize(
    "doc",
    [
        '<?xml version="1.0"?>\n<!DOCTYPE report [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;">]>\n<report>&c;</report>\n',
        '<?xml version="1.0"?>\n<!DOCTYPE report [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
        "\n<report>&x;</report>\n",
    ],
    ids=["billion-laughs", "external-entity"],
)
def test_entity_attacks_refuse_the_whole_delivery(
    tmp_path: Path, store: Store, settings: Settings, doc: str
) -> None:
    src = _reports(tmp_path / "d", {"a-good.xml": _report(1), "b-evil.xml": doc})
    with pytest.raises(DeliveryRejected, match=r"b-evil\.xml.*DTD"):
        run(store, settings, src, "op")
    assert _count(store, Delivery) == 0 and _count(store, Account) == 0


def test_oversize_report_is_refused(tmp_path: Path, store: Store, settings: Settings) -> None:
    src = _reports(tmp_path / "d", {"big.xml": _report(1)})
    small = Settings(data_dir=settings.data_dir, database_url=settings.database_url,
                     xml_max_bytes=500)  # fmt: skip
    with pytest.raises(DeliveryRejected, match="SAFEGUARD_XML_MAX_BYTES"):
        run(store, small, src, "op")
    with pytest.raises(DeliveryRejected, match="SAFEGUARD_XML_MAX_BYTES"):
        run(store, small, src / "big.xml", "op")
    assert _count(store, Delivery) == 0


def test_cli_detects_the_format_and_takes_a_single_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SAFEGUARD_DATABASE_URL", raising=False)
    monkeypatch.setenv("SAFEGUARD_DATA_DIR", str(tmp_path / "data"))
    single = tmp_path / "one.xml"
    single.write_text(_report(3), encoding="utf-8")
    out = CliRunner().invoke(app, ["ingest", str(single), "-o", "op", "--format", "auto", "--json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert doc["created"] and doc["tables"]["one.xml"]["accepted"] == 2
