"""``safeguard synth`` writes its CyberTipline reports in the Reporting API's shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from safeguard.config import Settings
from safeguard.ingest import run
from safeguard.ingest.xmltree import parse_xml
from safeguard.store.db import Store
from safeguard.store.models import Account, FileEvent, Identifier
from tests.unit.synth.conftest import read_csv


def test_reports_have_the_schema_shape_and_a_folder_each(operation: Path) -> None:
    root = operation / "cybertipline"
    manifest = json.loads((root / "cybertipline.json").read_text())
    assert manifest == {"format": "ncmec-cybertipline", "version": 1, "provider": "ExampleChat"}
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    info = json.loads((operation / "synth.json").read_text())
    assert len(folders) == info["counts"]["cybertipline_reports"] >= 2
    for folder in folders:
        assert folder.name.isdigit()
        report = parse_xml(folder / "report.xml")
        assert report.tag == "report" and report.find("reporter/espName") is None
        assert report.find("fileDetails") is None  # files are documents of their own
        details = [parse_xml(p) for p in sorted(folder.glob("file-*.xml"))]
        assert details and all(d.tag == "fileDetails" for d in details)
        assert {d.value("reportId") for d in details} == {folder.name}


def test_reported_users_are_operation_persons_and_ingest_whole(
    operation: Path, truth: dict[str, Any], store: Store, settings: Settings
) -> None:
    result = run(store, settings, operation / "cybertipline", "op")
    assert result.quarantined == 0 and result.notes == []
    emails = {r["account_id"]: r["email"].strip().lower() for r in
              read_csv(operation / "delivery" / "accounts.csv")}  # fmt: skip
    with store.session() as s:
        accounts = list(s.scalars(select(Account).where(Account.platform == "ExampleChat")))
        assert accounts
        for account in accounts:
            person = truth["persons"][int(account.platform_account_id.removeprefix("ec-"))]
            mine = set(s.scalars(select(Identifier.norm).where(
                Identifier.account_id == account.id, Identifier.kind == "email")))  # fmt: skip
            assert mine & {emails[a] for a in person["accounts"]}, person["person_id"]
        known = {r["sha256"] for r in read_csv(operation / "hashsets" / "known.csv")}
        uploaded = s.scalars(select(FileEvent.sha256)).all()
        assert uploaded and set(uploaded) <= known  # files from the known hash sets
