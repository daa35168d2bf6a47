"""Writes tests/fixtures/cybertipline/client/ with the public ``ncmec-cybertip`` client's own
XML building (its pydantic-xml models of the Reporting API schema), not Safeguard's.

The client needs Python >= 3.13, so this runs in a virtualenv of its own, once, by hand;
the files it writes are committed and the tests read them without it (no network at test
time). Regenerate with::

    python3.13 -m venv /tmp/ct && /tmp/ct/bin/pip install 'ncmec-cybertip==0.1.1'
    /tmp/ct/bin/python scripts/cybertip-client-fixtures.py

Eight invented reports, one per incident type, in a folder per report named by its report
id, each with one ``fileDetails`` document. Every value is synthetic; the file hashes are
of the bytes ``synthetic file N``.
"""

from __future__ import annotations

import json
import shutil
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from ncmec_cybertip import (
    Address,
    CellPhoneIncident,
    ChatImIncident,
    DeviceId,
    Email,
    EmailIncident,
    EstimatedLocation,
    EventName,
    FileDetails,
    IncidentSummary,
    IncidentType,
    InternetDetails,
    IpCaptureEvent,
    NewsgroupIncident,
    NonInternetIncident,
    OnlineGamingIncident,
    OriginalFileHash,
    Peer2PeerIncident,
    Person,
    PersonOrUserReported,
    Phone,
    Report,
    ReportAnnotations,
    Reporter,
    WebPageIncident,
)

OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "cybertipline" / "client"
FIRST_ID = 300000001


def _internet(n: int) -> InternetDetails:
    kinds = [
        {"web_page_incident": WebPageIncident(url=[f"https://share.example/p/{n}"])},
        {"email_incident": EmailIncident(email_address=[Email(value=f"sender{n}@mail.example")])},
        {"newsgroup_incident": NewsgroupIncident(name=f"alt.example.{n}")},
        {"chat_im_incident": ChatImIncident(chat_client="ExampleShare", chat_room_name=f"r{n}")},
        {"online_gaming_incident": OnlineGamingIncident(game_name="Example Quest")},
        {"cell_phone_incident": CellPhoneIncident(latitude=53.9, longitude=-2.0)},
        {"non_internet_incident": NonInternetIncident(location_name="Example Park")},
        {"peer2peer_incident": Peer2PeerIncident(client="ExampleTorrent")},
    ]
    return InternetDetails(**kinds[n - 1])


def _person(n: int) -> PersonOrUserReported:
    uk = n % 2 == 1
    return PersonOrUserReported(
        person=Person(
            first_name=f"Given{n}",
            last_name=f"Family{n}",
            phone=[Phone(value=f"7700 9001{n:02d}" if uk else f"202-555-01{n:02d}",
                         country_calling_code="+44" if uk else "+1")],
            email=[Email(value=f"client{n}@mail.example", verified=True)],
            address=[Address(city="Leeds" if uk else "Springfield",
                             zip_code="LS1 4AP" if uk else "62701", country="GB" if uk else "US")],
            date_of_birth=date(1980 + n, 1, n),
        ),
        esp_identifier=f"c-{n}",
        esp_service="ExampleShare Albums",
        screen_name=f"client_user_{n}",
        display_name=[f"Client User {n}", f"CU{n}"],
        profile_url=[f"https://share.example/u/c-{n}"],
        ip_capture_event=[IpCaptureEvent(
            ip_address=f"198.51.100.{n}", event_name=EventName.LOGIN,
            date_time=datetime(2024, 4, n, 10, 0, tzinfo=UTC), possible_proxy=False,
            port=40000 + n)],
        device_id=[DeviceId(id_type="IMEI", id_value=f"3500000000000{n:02d}")],
        estimated_location=EstimatedLocation(city="Leeds" if uk else "Springfield",
                                             country_code="GB" if uk else "US"),
    )  # fmt: skip


def _report(n: int) -> Report:
    return Report(
        incident_summary=IncidentSummary(
            incident_type=list(IncidentType)[n - 1],
            report_annotations=ReportAnnotations(sextortion=n == 1, spam=n == 2),
            incident_date_time=datetime(2024, 4, n, 12, 0, tzinfo=UTC),
        ),
        internet_details=[_internet(n)],
        reporter=Reporter(reporting_person=Person(email=[Email(value="trust@share.example")])),
        person_or_user_reported=_person(n),
    )


def _file(n: int) -> FileDetails:
    data = f"synthetic file {n}".encode()
    hashes = [OriginalFileHash.compute(data, a) for a in ("md5", "sha1", "sha256", "sha512")]
    return FileDetails(
        report_id=FIRST_ID + n - 1,
        file_id=f"file-{n}",
        original_file_name=f"item{n}.jpg",
        location_of_file=f"https://cdn.share.example/{n}",
        publicly_available=n % 3 == 0,
        original_file_hash=hashes,
        ip_capture_event=IpCaptureEvent(
            ip_address=f"2001:db8::{n}", event_name=EventName.UPLOAD,
            date_time=datetime(2024, 4, n, 10, 5, tzinfo=UTC), port=50000 + n),
    )  # fmt: skip


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    (OUT / "cybertipline.json").write_text(
        json.dumps({"format": "ncmec-cybertipline", "version": 1, "provider": "ExampleShare"})
        + "\n"
    )
    for n in range(1, 9):
        folder = OUT / str(FIRST_ID + n - 1)
        folder.mkdir()
        options = {"encoding": "utf-8", "xml_declaration": True, "exclude_none": True}
        (folder / "report.xml").write_bytes(_report(n).to_xml(**options))
        (folder / "file-details.xml").write_bytes(_file(n).to_xml(**options))
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
