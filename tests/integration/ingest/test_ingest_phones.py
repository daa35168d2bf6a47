"""Phone values at ingest: letters are quarantined, never read as keypad digits; numbers with
an international prefix parse; a national number is read where it is valid."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from safeguard.config import Settings
from safeguard.ingest import run
from safeguard.ingest.testing import write_platform_export
from safeguard.store.db import Store
from safeguard.store.models import Account, Identifier, QuarantinedRow


def _account(ref: str, phone: str, country: str = "") -> dict[str, str]:
    return {"account_id": ref, "username": ref, "phone": phone, "declared_country": country}


def test_phone_values_at_ingest(store: Store, settings: Settings, tmp_path: Path) -> None:
    delivery = write_platform_export(
        tmp_path / "d",
        {
            "accounts": [
                _account("letters", "+44 7700 900abc"),
                _account("idd", "011 33 1 42 68 53 00"),
                _account("false-nz", "07400 123456", "NZ"),
                _account("ext", "020 7946 0018 ext. 12"),
            ],
            "identifiers": [
                {"account_id": "idd", "kind": "phone", "value": "07700 9OO123"},
                {"account_id": "idd", "kind": "phone", "value": "0049 30 901820"},
            ],
        },
    )
    result = run(store, settings, delivery, "op")
    with store.session() as s:
        phones = {
            ref: phone
            for ref, phone in s.execute(select(Account.platform_account_id, Account.phone))
        }
        idents = set(s.scalars(select(Identifier.norm).where(Identifier.kind == "phone")))
        quarantined = {
            (q.file, q.reason, q.column)
            for q in s.scalars(
                select(QuarantinedRow).where(QuarantinedRow.delivery_id == result.delivery_id)
            )
        }
    assert phones == {
        "letters": None,  # not +447700900222
        "idd": "+33142685300",
        "false-nz": "+447400123456",  # valid as a GB mobile, not as NZ
        "ext": "+442079460018",
    }
    assert ("accounts.csv", "bad_phone", "phone") in quarantined
    assert ("identifiers.csv", "bad_phone", "value") in quarantined
    assert "+6477009123" not in idents and "+4930901820" in idents
