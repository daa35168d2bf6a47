"""Building a small operation directly in the store (accounts, identifiers, logins)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from safeguard.config import Settings
from safeguard.store.bulk import bulk_insert, json_text, ts_text
from safeguard.store.db import Store
from safeguard.store.models import Account, Delivery, Subject, SubjectAccount
from tests.support.data import GEOIP

T0 = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass
class Acct:
    ref: str
    country: str | None = None
    city: str | None = None
    postcode: str | None = None
    phone: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    postcodes: Sequence[str] = ()
    logins: Sequence[tuple[str, int, int]] = ()  # (ip, count, spread in days)


def build(store: Store, operation: str, accounts: Sequence[Acct]) -> dict[str, int]:
    """Create ``operation`` with ``accounts``; return platform account id → account id."""
    op_id = store.operation_id(operation, create=True)
    with store.transaction() as conn:
        delivery = conn.execute(
            insert(Delivery).values(operation_id=op_id, format="test", checksum=operation)
        ).inserted_primary_key
        assert delivery is not None
        dl = int(delivery[0])
        ids = {}
        for a in accounts:
            row = conn.execute(
                insert(Account).values(
                    operation_id=op_id,
                    delivery_id=dl,
                    platform="p",
                    platform_account_id=a.ref,
                    username=a.ref,
                    declared_country=a.country,
                    declared_city=a.city,
                    declared_postcode=a.postcode,
                    phone=a.phone,
                    attributes=a.attributes,
                )
            ).inserted_primary_key
            assert row is not None
            ids[a.ref] = int(row[0])
        bulk_insert(
            conn,
            "identifier",
            ("account_id", "delivery_id", "kind", "value", "norm"),
            [(ids[a.ref], dl, "postcode", p, p) for a in accounts for p in a.postcodes],
        )
        bulk_insert(
            conn,
            "login_event",
            ("account_id", "delivery_id", "ts", "ip", "kind"),
            _logins(accounts, ids, dl),
        )
    return ids


def _logins(accounts: Sequence[Acct], ids: dict[str, int], dl: int) -> list[tuple[Any, ...]]:
    rows = []
    for a in accounts:
        for ip, count, spread in a.logins:
            for i in range(count):
                when = T0 + timedelta(days=spread * i / max(count - 1, 1))
                rows.append((ids[a.ref], dl, ts_text(when), ip, "login"))
    return rows


def add_subject(store: Store, operation: str, label: str, account_ids: Sequence[int]) -> int:
    op_id = store.operation_id(operation)
    with store.transaction() as conn:
        key = conn.execute(
            insert(Subject).values(operation_id=op_id, label=label)
        ).inserted_primary_key
        assert key is not None
        subject_id = int(key[0])
        for account_id in account_ids:
            conn.execute(
                insert(SubjectAccount).values(subject_id=subject_id, account_id=account_id)
            )
    return subject_id


@pytest.fixture
def geo_settings(settings: Settings) -> Settings:
    return Settings(
        data_dir=settings.data_dir,
        database_url=settings.database_url,
        geoip_city=GEOIP / "GeoIP2-City-Test.mmdb",
        geoip_anonymous=GEOIP / "GeoIP2-Anonymous-IP-Test.mmdb",
    )


__all__ = ["GEOIP", "Acct", "add_subject", "build", "json_text"]
