from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from safeguard.attribute import AccountFacts, IpUse
from safeguard.attribute.locate import locate_all
from safeguard.attribute.stage import build_geolocators
from safeguard.config import Settings

REF = datetime(2024, 6, 1, tzinfo=UTC)
IPS = ("2.125.160.216", "216.160.83.56", "81.2.69.142", "2a02:ff40::1", "8.8.8.8")
PLACES: tuple[dict[str, Any], ...] = (
    {"declared_postcode": "BD20 6AB"},
    {"declared_country": "FR"},
    {"phones": ("+441274123456",)},
    {"declared_city": "Bradford"},
    {},
)


def _facts(n: int) -> list[AccountFacts]:
    out = []
    for i in range(n):
        first = REF - timedelta(days=30 + i % 400)
        use = IpUse(IPS[i % len(IPS)], 1 + i % 7, first, first + timedelta(days=i % 20))
        out.append(AccountFacts(account_id=1000 + i, ips=(use,), **PLACES[i % len(PLACES)]))
    return out


def test_worker_processes_give_the_serial_rows_in_order(geo_settings: Settings) -> None:
    facts = _facts(60)
    locators, _ = build_geolocators(geo_settings)
    serial = [x for part in locate_all(facts, locators, REF, workers=1) for x in part]
    forked = [
        x
        for part in locate_all(facts, locators, REF, workers=2, chunk=7, min_parallel=0)
        for x in part
    ]
    assert forked == serial
    assert [x.account_id for x in forked] == [f.account_id for f in facts]
    assert {x.country for x in serial} >= {"GB", "US", "FR"}


def test_chunks_cover_every_account_once(geo_settings: Settings) -> None:
    facts = _facts(25)
    locators, _ = build_geolocators(geo_settings)
    parts = list(locate_all(facts, locators, REF, workers=1, chunk=10))
    assert [len(p) for p in parts] == [10, 10, 5]
