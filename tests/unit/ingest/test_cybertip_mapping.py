"""Mapping one CyberTipline report to our records, without a store."""

from __future__ import annotations

from pathlib import Path

import pytest

from safeguard.errors import DeliveryRejected
from safeguard.ingest.cybertip import map_report
from safeguard.ingest.cybertip.mapping import map_file_document
from safeguard.ingest.reasons import Reason
from safeguard.ingest.testing import cybertip_file_details_xml, cybertip_report_xml
from safeguard.ingest.xmltree import BadXml, parse_xml

IP = {"ipAddress": "192.0.2.10", "eventName": "Login", "dateTime": "2020-02-01T10:00:00Z"}
MD5 = "0123456789abcdef0123456789abcdef"


def _parse(tmp_path: Path, xml: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "r.xml"
    path.write_text(xml, encoding="utf-8")
    return parse_xml(path)


def _map(tmp_path: Path, xml: str):  # type: ignore[no-untyped-def]
    return map_report(_parse(tmp_path, xml))


def test_report_maps_to_one_account_with_location_identifiers_and_events(
    tmp_path: Path,
) -> None:
    upload = {"ipAddress": "::ffff:198.51.100.7", "dateTime": "2020-02-02T00:00:00+01:00"}
    r = _map(tmp_path, cybertip_report_xml(phones=["07700 900123"], ip_events=[IP]))
    assert r.refusal is None and r.problems == []
    assert (r.platform, r.account_key) == ("ExampleShare", "u-1001")
    assert r.attributes["estimated_location_country"] == "GB"
    kinds = {i.kind: i.norm for i in r.identifiers}
    assert kinds["phone"] == "+447700900123" and kinds["email"] == "example.user@example.com"
    assert [(e.ip, e.kind) for e in r.logins] == [("192.0.2.10", "login")]
    doc = cybertip_file_details_xml("42", file_name="x.jpg", hashes={"MD5": MD5.upper()},
                                    ip_events=[upload])  # fmt: skip
    holder, f = map_file_document(_parse(tmp_path, doc))
    assert holder.report_id == "42" and [(e.ip, e.kind) for e in holder.logins] == [
        ("198.51.100.7", "upload")
    ]
    assert f is not None and f.hashes == {"md5": MD5} and f.file_name == "x.jpg"
    assert f.ts is not None and f.ts.isoformat() == "2020-02-01T23:00:00+00:00"


def test_the_delivery_names_the_provider_and_report_id_before_the_report(
    tmp_path: Path,
) -> None:
    tree = _parse(tmp_path, cybertip_report_xml(esp="InReport"))
    r = map_report(tree, platform="FromManifest", report_id="77")
    assert (r.platform, r.report_id) == ("FromManifest", "77")
    assert map_report(tree).platform == "InReport"


def test_country_calling_code_is_used_for_the_phone(tmp_path: Path) -> None:
    phones = ["202-555-0123", "+353 85 555 0179"]
    r = _map(tmp_path, cybertip_report_xml(phones=phones, phone_code="1"))
    got = [i.norm for i in r.identifiers if i.kind == "phone"]
    assert got == ["+12025550123", "+353855550179"]  # a number's own + code wins
    r = _map(tmp_path, cybertip_report_xml(phones=["202-555-0123"], phone_code="+1"))
    assert [i.norm for i in r.identifiers if i.kind == "phone"] == ["+12025550123"]


def test_report_without_user_id_or_reporter_is_refused(tmp_path: Path) -> None:
    no_user = _map(tmp_path, cybertip_report_xml(esp_id=None, screen_name=""))
    assert no_user.refusal is not None
    assert no_user.refusal.reason is Reason.MISSING_VALUE
    assert no_user.refusal.column == "personOrUserReported/espIdentifier"
    no_esp = _map(tmp_path, cybertip_report_xml(esp=None))
    assert no_esp.refusal is not None and no_esp.refusal.column == "reporter/espName"


def test_bad_values_are_dropped_with_their_line(tmp_path: Path) -> None:
    bad_ip = {"ipAddress": "999.1.1.1", "dateTime": "2020-02-01T10:00:00Z"}
    xml = cybertip_report_xml(emails=["not-an-email"], country="Britain", ip_events=[bad_ip])
    r = _map(tmp_path, xml)
    reasons = {p.reason for p in r.problems}
    assert {Reason.BAD_EMAIL, Reason.BAD_COUNTRY, Reason.BAD_IP} <= reasons
    assert all(p.line > 1 for p in r.problems)
    assert r.logins == [] and r.files == []
    doc = cybertip_file_details_xml("1", hashes={"SHA1": "xyz", "SHA3": MD5})
    holder, record = map_file_document(_parse(tmp_path, doc))
    assert record is None
    assert {p.reason for p in holder.problems} == {Reason.BAD_HASH, Reason.BAD_ENUM,
                                                   Reason.NO_HASH}  # fmt: skip
    assert "estimated_location_country" not in r.attributes
    assert r.refusal is None  # the account itself is still good


def test_not_well_formed_xml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "r.xml"
    path.write_text("<report>\n<reporter>\n</report>\n", encoding="utf-8")
    with pytest.raises(BadXml) as info:
        parse_xml(path)
    assert info.value.line == 3


@pytest.mark.parametrize(
    "doc",
    [
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
        "\n<report>&b;</report>",
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "\n<report>&x;</report>",
        '<?xml version="1.0"?>\n<!DOCTYPE report SYSTEM "http://127.0.0.1/x.dtd">\n<report/>',
    ],
    ids=["entity-expansion", "external-entity", "external-dtd"],
)
def test_dtds_and_entities_are_refused(tmp_path: Path, doc: str) -> None:
    path = tmp_path / "r.xml"
    path.write_text(doc, encoding="utf-8")
    with pytest.raises(DeliveryRejected, match="DTD"):
        parse_xml(path)
