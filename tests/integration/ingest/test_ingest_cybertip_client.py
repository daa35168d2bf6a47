"""Reports built by the two public CyberTipline client libraries ingest with nothing lost.

``tests/fixtures/cybertipline/client/`` was written by the Python ``ncmec-cybertip``
client's own XML building (``scripts/cybertip-client-fixtures.py``, run once under Python
3.13): eight reports, one per incident type, a folder per report named by its id, each with
a ``fileDetails`` document. ``tests/fixtures/cybertipline/npm/`` was written by the
JavaScript ``@civitai/cybertipline-tools`` builders (``scripts/cybertip-npm-fixtures.mjs``):
six reports in the manifest layout. The expected values follow the scripts' recipes; the
hashes are computed here with hashlib from the same bytes.
"""

from __future__ import annotations

import hashlib
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from safeguard.config import Settings
from safeguard.ingest import run
from safeguard.store.db import Store
from safeguard.store.models import Account, CybertipReport, FileEvent, Identifier, LoginEvent

CLIENT = Path(__file__).parents[2] / "fixtures" / "cybertipline" / "client"
INCIDENTS = [
    "Child Pornography (possession, manufacture, and distribution)",
    "Child Sex Trafficking",
    "Child Sex Tourism",
    "Child Sexual Molestation",
    "Misleading Domain Name",
    "Misleading Words or Digital Images on the Internet",
    "Online Enticement of Children for Sexual Acts",
    "Unsolicited Obscene Material Sent to a Child",
]


def _expected(n: int) -> dict[str, object]:
    data = f"synthetic file {n}".encode()
    uk = n % 2 == 1
    phone = f"+4477009001{n:02d}" if uk else f"+120255501{n:02d}"
    return {
        "account": (f"client_user_{n}", f"Client User {n}", f"client{n}@mail.example", phone,
                    date(1980 + n, 1, n), "GB" if uk else "US"),
        "identifiers": {("email", f"client{n}@mail.example"), ("phone", phone),
                        ("username", f"client_user_{n}"), ("name", f"client user {n}"),
                        ("name", f"cu{n}"), ("name", f"given{n} family{n}"),
                        ("device_id", f"3500000000000{n:02d}"),
                        ("postcode", "LS1 4AP" if uk else "62701")},
        "logins": [
            (f"198.51.100.{n}", 40000 + n, datetime(2024, 4, n, 10, 0, tzinfo=UTC), "login"),
            (f"2001:db8::{n}", 50000 + n, datetime(2024, 4, n, 10, 5, tzinfo=UTC), "upload"),
        ],
        "file": (f"{300000000 + n}:file-{n}", datetime(2024, 4, n, 10, 5, tzinfo=UTC),
                 f"item{n}.jpg", hashlib.md5(data).hexdigest(), hashlib.sha1(data).hexdigest(),
                 hashlib.sha256(data).hexdigest(), hashlib.sha512(data).hexdigest()),
        "report": (str(300000000 + n), INCIDENTS[n - 1], datetime(2024, 4, n, 12, 0, tzinfo=UTC)),
    }  # fmt: skip


def _stored(s: object, account: Account) -> dict[str, object]:
    from sqlalchemy.orm import Session

    assert isinstance(s, Session)
    aid = account.id
    idents = s.execute(select(Identifier.kind, Identifier.norm).where(Identifier.account_id == aid))
    logins = s.scalars(select(LoginEvent).where(LoginEvent.account_id == aid))
    fe = s.scalars(select(FileEvent).where(FileEvent.account_id == aid)).one()
    rep = s.scalars(select(CybertipReport).where(CybertipReport.account_id == aid)).one()
    return {
        "account": (account.username, account.display_name, account.email, account.phone,
                    account.date_of_birth, account.declared_country),
        "identifiers": {tuple(r) for r in idents},
        "logins": sorted((e.ip, e.port, e.ts, e.kind) for e in logins),
        "file": (fe.platform_event_id, fe.ts, fe.file_name, fe.md5, fe.sha1, fe.sha256,
                 fe.sha512),
        "report": (rep.report_id, rep.incident_type, rep.incident_ts),
    }  # fmt: skip


@pytest.mark.parametrize("as_zip", [False, True], ids=["folder", "zip"])
def test_every_identifier_ip_and_hash_of_the_client_built_reports_is_stored(
    tmp_path: Path, store: Store, settings: Settings, as_zip: bool
) -> None:
    src = CLIENT
    if as_zip:
        src = tmp_path / "client.zip"
        with zipfile.ZipFile(src, "w") as zf:
            for path in sorted(CLIENT.rglob("*")):
                if path.is_file():
                    zf.write(path, path.relative_to(CLIENT).as_posix())
    result = run(store, settings, src, "op")
    assert result.quarantined == 0 and result.records["reports"] == 8
    with store.session() as s:
        accounts = {a.platform_account_id: a for a in s.scalars(select(Account))}
        assert set(accounts) == {f"c-{n}" for n in range(1, 9)}
        for n in range(1, 9):
            account = accounts[f"c-{n}"]
            assert account.platform == "ExampleShare"
            assert _stored(s, account) == _expected(n), n
            assert account.attributes["esp_service"] == "ExampleShare Albums"
            assert account.attributes["profile_urls"] == [f"https://share.example/u/c-{n}"]


NPM = Path(__file__).parents[2] / "fixtures" / "cybertipline" / "npm"


def _npm_expected(n: int) -> dict[str, object]:
    data = f"npm file {n}".encode()
    uk = n % 2 == 1
    phone = f"+4477009002{n}0" if uk else f"+120255502{n}0"
    return {
        "account": (f"npm_user_{n}", f"Npm User {n}", f"npm{n}@mail.example", phone,
                    date(1990, 1, n), "GB" if uk else "US"),
        "identifiers": {("email", f"npm{n}@mail.example"), ("phone", phone),
                        ("username", f"npm_user_{n}"), ("name", f"npm user {n}"),
                        ("name", f"nu{n}"), ("name", f"npm{n} example"),
                        ("device_id", f"3510000000000{n}0"),
                        ("postcode", "YO1 7HH" if uk else "73301")},
        "logins": sorted([
            (f"203.0.113.{n}", 30000 + n, datetime(2024, 5, n, 9, 0, tzinfo=UTC), "login"),
            (f"2001:db8:1::{n}", 60000 + n, datetime(2024, 5, n, 9, 5, tzinfo=UTC), "upload"),
        ]),
        "file": (f"{400000000 + n}:npm-file-{n}", datetime(2024, 5, n, 9, 5, tzinfo=UTC),
                 f"photo{n}.jpg", hashlib.md5(data).hexdigest(), hashlib.sha1(data).hexdigest(),
                 hashlib.sha256(data).hexdigest(), hashlib.sha512(data).hexdigest()),
        "report": (str(400000000 + n), INCIDENTS[0], datetime(2024, 5, n, 12, 0, tzinfo=UTC)),
    }  # fmt: skip


def test_reports_built_by_the_npm_client_are_stored_field_by_field(
    store: Store, settings: Settings
) -> None:
    """``tests/fixtures/cybertipline/npm/``: six reports and their fileDetails built with
    ``@civitai/cybertipline-tools``' buildReport/buildSubmitFileDetails
    (``scripts/cybertip-npm-fixtures.mjs``), in the manifest layout."""
    result = run(store, settings, NPM, "op")
    assert result.quarantined == 0 and result.records["reports"] == 6
    with store.session() as s:
        accounts = {a.platform_account_id: a for a in s.scalars(select(Account))}
        assert set(accounts) == {f"npm-{n}" for n in range(1, 7)}
        for n in range(1, 7):
            account = accounts[f"npm-{n}"]
            assert account.platform == "ExamplePhotos"
            assert _stored(s, account) == _npm_expected(n), n
        assert accounts["npm-3"].attributes["possible_proxy_ips"] == ["203.0.113.3"]
        assert accounts["npm-2"].attributes["estimated_location_region"] == "Texas"
        assert accounts["npm-4"].attributes["file_details"]["400000004:npm-file-4"][
            "file_annotations"] == ["viral"]  # fmt: skip
