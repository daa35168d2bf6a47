"""Reading what attribution needs from the store: account facts and account evidence.

Logins are aggregated in the database (one row per account and IP with count, first and
last time), so millions of login events never become Python objects.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, select

from safeguard.attribute.facts import AccountFacts, IpUse
from safeguard.store.models import Account, Attribution, Identifier

__all__ = ["account_evidence", "json_value", "load_facts", "raw_rows"]

#: Keys of ``account.attributes`` read here (documented in docs/attribution.md).
ESTIMATED_COUNTRY = "estimated_location_country"
_COORD_KEYS = (("latitude", "longitude"), ("lat", "lon"))


def _coordinates(attrs: Mapping[str, Any]) -> tuple[tuple[float, float], ...]:
    out: list[tuple[float, float]] = []
    for lat_key, lon_key in _COORD_KEYS:
        if attrs.get(lat_key) not in (None, "") and attrs.get(lon_key) not in (None, ""):
            out.append((attrs[lat_key], attrs[lon_key]))
    valid = []
    for lat, lon in out:
        try:
            point = (float(lat), float(lon))
        except (TypeError, ValueError):
            continue
        if -90 <= point[0] <= 90 and -180 <= point[1] <= 180:
            valid.append(point)
    return tuple(valid)


def _identifiers(conn: Connection, op_id: int) -> dict[int, dict[str, list[str]]]:
    query = (
        select(Identifier.account_id, Identifier.kind, Identifier.norm)
        .join(Account, Account.id == Identifier.account_id)
        .where(Account.operation_id == op_id, Identifier.kind.in_(("phone", "postcode")))
    )
    out: dict[int, dict[str, list[str]]] = {}
    for account_id, kind, norm in conn.execute(query):
        out.setdefault(account_id, {}).setdefault(kind, []).append(norm)
    return out


def _when(value: Any) -> datetime:
    """A UTC datetime from the raw value (SQLite text is parsed here, which is faster)."""
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


_LOGINS_SQL = """
SELECT l.account_id, l.ip, COUNT(*), MIN(l.ts), MAX(l.ts)
FROM login_event l JOIN account a ON a.id = l.account_id
WHERE a.operation_id = {op}
GROUP BY l.account_id, l.ip
"""


def raw_rows(conn: Connection, sql: str, op_id: int) -> list[tuple[Any, ...]]:
    """All rows of ``sql`` through the driver's own cursor (no per-row SQLAlchemy work)."""
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql.format(op=marker), (op_id,))
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()


def json_value(raw: Any) -> Any:
    """A JSON column's value from the driver: SQLite gives text (parsed here with orjson,
    several times faster than SQLAlchemy's ``json.loads``), PostgreSQL the parsed value."""
    return orjson.loads(raw) if isinstance(raw, str | bytes) else raw


def _logins(conn: Connection, op_id: int) -> tuple[dict[int, list[IpUse]], datetime | None]:
    out: dict[int, list[IpUse]] = {}
    parsed: dict[Any, datetime] = {}
    rows = raw_rows(conn, _LOGINS_SQL, op_id)
    fan = Counter(row[1] for row in rows)  # one row per account and IP
    for account_id, ip, count, first_raw, last_raw in rows:
        first = parsed.get(first_raw) or parsed.setdefault(first_raw, _when(first_raw))
        last = parsed.get(last_raw) or parsed.setdefault(last_raw, _when(last_raw))
        out.setdefault(account_id, []).append(IpUse(ip, int(count), first, last, fan[ip]))
    latest = max(parsed.values(), default=None)
    return out, latest


def _facts(
    row: Sequence[Any], ids: Mapping[str, list[str]], logins: Mapping[int, list[IpUse]]
) -> AccountFacts:
    acc_id, country, city, postcode, district, phone, raw = row
    attrs: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    phones = ([phone] if phone and phone.startswith("+") else []) + ids.get("phone", [])
    return AccountFacts(
        account_id=acc_id,
        declared_country=country,
        declared_city=city,
        declared_postcode=postcode,
        declared_district=district,
        phones=tuple(phones),
        postcodes=tuple(ids.get("postcode", ())),
        ips=tuple(sorted(logins.get(acc_id, ()), key=lambda u: u.ip)),
        coordinates=_coordinates(attrs),
        estimated_country=str(attrs.get(ESTIMATED_COUNTRY) or "") or None,
    )


def load_facts(conn: Connection, op_id: int) -> tuple[list[AccountFacts], datetime | None]:
    """Every account of the operation as facts, and the latest login time (the reference)."""
    idents = _identifiers(conn, op_id)
    logins, latest = _logins(conn, op_id)
    query = select(
        Account.id,
        Account.declared_country,
        Account.declared_city,
        Account.declared_postcode,
        Account.declared_district,
        Account.phone,
        Account.attributes,
    ).where(Account.operation_id == op_id)
    facts = [_facts(row, idents.get(row[0], {}), logins) for row in conn.execute(query)]
    return facts, latest


def account_evidence(conn: Connection, op_id: int) -> Iterator[tuple[int, list[Any]]]:
    """(account id, stored evidence list) of the operation's account attributions."""
    query = select(Attribution.account_id, Attribution.evidence).where(
        Attribution.operation_id == op_id,
        Attribution.account_id.is_not(None),
        Attribution.subject_id.is_(None),
    )
    for account_id, evidence in conn.execute(query):
        yield int(account_id), list(evidence or [])
