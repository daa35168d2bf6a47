"""Phones are linked on a shared reading: national numbers re-read against each account's
declared country, the countries of its non-anonymous IPs, and GB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from safeguard.config import Settings
from safeguard.resolve import run
from safeguard.store.db import Store
from safeguard.store.models import Attribution, Identifier, LinkEvidence, Subject, SubjectAccount
from tests.integration.resolve.builders import OpBuilder


def _phone(b: OpBuilder, pid: str, country: str | None, value: str, norm: str) -> None:
    """An account as ingest stores it: the written value and its ingest-time reading."""
    b.account(pid, pid, **({"declared_country": country} if country else {}))
    with b.store.session() as s:
        s.add(
            Identifier(
                account_id=b.ids[pid], delivery_id=b.delivery_id, kind="phone", value=value,
                norm=norm,
            )
        )  # fmt: skip


def _ip_evidence(b: OpBuilder, pid: str, country: str, anonymous: bool = False) -> None:
    """The stored account attribution, with one IP entry located in ``country`` (which
    decides the account's country unless the address is anonymous: then nothing does)."""
    entry: dict[str, Any] = {
        "source": "maxmind-city",
        "family": "ip",
        "country": country,
        "anonymous": anonymous,
        "weight": 0.0 if anonymous else 12.0,
    }
    with b.store.session() as s:
        s.add(
            Attribution(
                operation_id=b.op_id, account_id=b.ids[pid], confidence="low",
                country=None if anonymous else country,
                evidence=[{"source": "confidence-rule"}, entry],
            )
        )  # fmt: skip


def _subjects(store: Store, b: OpBuilder) -> dict[str, str]:
    ref = {v: k for k, v in b.ids.items()}
    with store.session() as s:
        rows = s.execute(
            select(SubjectAccount.account_id, Subject.label).join(
                Subject, Subject.id == SubjectAccount.subject_id
            )
        )
        return {ref[a]: label for a, label in rows}


def test_linked_on_a_shared_reading(store: Store, tmp_path: Path) -> None:
    b = OpBuilder(store)
    # A UK person who falsely declares NZ: ingest kept both possible readings' first (NZ).
    _phone(b, "uk-says-nz", "NZ", "07700 900999", "+647700900999")
    _ip_evidence(b, "uk-says-nz", "GB")
    _phone(b, "uk", "GB", "+44 7700 900999", "+447700900999")
    # An NZ mobile written nationally by an account declaring GB but seen on NZ IPs.
    _phone(b, "nz", "NZ", "+64 21 123 4567", "+64211234567")
    _phone(b, "gb-on-nz-ips", "GB", "021 123 4567", "+44211234567")
    _ip_evidence(b, "gb-on-nz-ips", "NZ")
    # The same digits from a GB account with only a Tor exit in NZ: read in GB only.
    _phone(b, "gb-tor", "GB", "021 123 4567", "+44211234567")
    _ip_evidence(b, "gb-tor", "NZ", anonymous=True)
    result = run(store, Settings(data_dir=tmp_path), "op")
    where = _subjects(store, b)
    assert where["uk-says-nz"] == where["uk"]
    assert where["gb-on-nz-ips"] == where["nz"]
    assert where["gb-tor"] not in (where["nz"], where["gb-on-nz-ips"])
    assert result.subjects == 3
    with store.session() as s:
        evidence = [link.evidence for link in s.scalars(select(LinkEvidence))]
    assert {(e["value"], e["via"]) for e in evidence} == {
        ("+447700900999", "reading"),
        ("+64211234567", "reading"),
    }
