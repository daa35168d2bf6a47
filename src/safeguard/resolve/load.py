"""Reading what the linkers need from the store, aggregated in SQL (never row by row in ORM).

Only shared values come back: identifier values held by two or more accounts, IPs used by
two or more accounts. Everything else cannot link anything and stays in the database.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from safeguard.resolve.facts import AccountFacts, IdentifierGroup, IpWindow

__all__ = [
    "IpCensus",
    "anonymous_ip_checker",
    "load_account_facts",
    "load_account_ids",
    "load_identifier_groups",
    "load_ip_windows",
    "raw_rows",
]

STRONG_KINDS = ("email", "phone", "device_id", "payment_ref")
#: Rows fetched from the driver at a time by :func:`raw_rows`.
_FETCH = 50_000

_GROUPS_SQL = """
WITH ids AS (
  SELECT i.kind AS kind, i.norm AS norm,
         CASE WHEN i.kind = 'email' THEN COALESCE(i.alt_norm, i.norm) ELSE i.norm END AS k,
         i.account_id AS account_id
  FROM identifier i JOIN account a ON a.id = i.account_id
  WHERE a.operation_id = :op AND i.kind IN ('email', 'device_id', 'payment_ref')
), shared AS (
  SELECT kind, k FROM ids GROUP BY kind, k HAVING COUNT(DISTINCT account_id) > 1
)
SELECT ids.kind, ids.k, ids.norm, ids.account_id
FROM ids JOIN shared ON shared.kind = ids.kind AND shared.k = ids.k
ORDER BY ids.kind, ids.k, ids.account_id
"""

_IPS_SQL = """
WITH per AS (
  SELECT l.account_id AS account_id, l.ip AS ip, MIN(l.ts) AS first, MAX(l.ts) AS last
  FROM login_event l JOIN account a ON a.id = l.account_id
  WHERE a.operation_id = :op
  GROUP BY l.account_id, l.ip
), fan AS (
  SELECT ip, COUNT(*) AS n FROM per GROUP BY ip HAVING COUNT(*) > 1
)
SELECT per.account_id, per.ip, per.first, per.last, fan.n
FROM per JOIN fan ON fan.ip = per.ip
"""


def raw_rows(conn: Connection, sql: str, op_id: int) -> Iterator[tuple[Any, ...]]:
    """Every row of ``sql`` (``:op`` bound to ``op_id``) through the driver's own cursor,
    without SQLAlchemy's per-row work (these queries return hundreds of thousands of rows).

    Rows are fetched a chunk at a time as they are used, never all held at once."""
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql.replace(":op", marker), (op_id,))
        while rows := cursor.fetchmany(_FETCH):
            yield from map(tuple, rows)
    finally:
        cursor.close()


def load_account_ids(conn: Connection, op_id: int) -> list[int]:
    rows = conn.execute(
        text("SELECT id FROM account WHERE operation_id = :op ORDER BY id"), {"op": op_id}
    )
    return [int(r[0]) for r in rows]


def load_identifier_groups(conn: Connection, op_id: int) -> list[IdentifierGroup]:
    """Groups of accounts sharing an email (or its provider form), phone reading, device id
    or payment reference (phones: :func:`safeguard.resolve.phones.load_phone_groups`)."""
    from safeguard.resolve.phones import load_phone_groups

    groups = _sql_groups(conn, op_id) + load_phone_groups(conn, op_id)
    return sorted(groups, key=lambda g: (g.kind, g.norm))


def _sql_groups(conn: Connection, op_id: int) -> list[IdentifierGroup]:
    groups: list[IdentifierGroup] = []
    key: tuple[str, str] | None = None
    members: list[int] = []
    norms: set[str] = set()
    for kind, k, norm, account_id in raw_rows(conn, _GROUPS_SQL, op_id):
        if (kind, k) != key:
            if key is not None:
                groups.append(_group(key, members, norms))
            key, members, norms = (kind, k), [], set()
        members.append(int(account_id))
        norms.add(norm)
    if key is not None:
        groups.append(_group(key, members, norms))
    return groups


def _group(key: tuple[str, str], members: list[int], norms: set[str]) -> IdentifierGroup:
    via = "alt_norm" if len(norms) > 1 else "norm"
    return IdentifierGroup(key[0], key[1], tuple(sorted(set(members))), via)


def _seconds(value: Any) -> float:
    if isinstance(value, datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=UTC)
    else:
        stamp = datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
    return stamp.timestamp()


def anonymous_ip_checker(path: Path | None) -> Callable[[str], bool] | None:
    """True for an IP the MaxMind Anonymous-IP database lists (VPN, Tor, proxy, hosting).

    ``None`` when no database is configured (the caller warns); a configured database that
    cannot be opened raises :class:`safeguard.errors.ConfigError`.
    """
    if path is None:
        return None
    from safeguard.attribute.geolocators.maxmind import open_reader

    reader = open_reader(path, "SAFEGUARD_GEOIP_ANONYMOUS")

    def check(ip: str) -> bool:
        try:
            record = reader.get(ip)
        except ValueError:
            return False
        return isinstance(record, dict) and any(
            bool(v) for k, v in record.items() if str(k).startswith("is_")
        )

    return check


@dataclass
class IpCensus:
    """Per-account windows on usable shared IPs, and what was left out and why."""

    windows: dict[int, dict[str, IpWindow]] = field(default_factory=dict)
    crowded: dict[str, int] = field(default_factory=dict)
    anonymous: set[str] = field(default_factory=set)
    not_global: set[str] = field(default_factory=set)


def _usable(ip: str, n: int, cap: int, is_anon: Callable[[str], bool], census: IpCensus) -> bool:
    if n > cap:
        census.crowded[ip] = n
        return False
    try:
        is_global = ipaddress.ip_address(ip).is_global
    except ValueError:
        is_global = False
    if not is_global:
        census.not_global.add(ip)
        return False
    if is_anon(ip):
        census.anonymous.add(ip)
        return False
    return True


def load_ip_windows(
    conn: Connection, op_id: int, max_accounts: int, is_anonymous: Callable[[str], bool]
) -> IpCensus:
    """Windows of IPs shared by 2..``max_accounts`` accounts, global and not anonymous."""
    census = IpCensus()
    verdict: dict[str, bool] = {}
    for account_id, ip, first, last, n in raw_rows(conn, _IPS_SQL, op_id):
        ok = verdict.get(ip)
        if ok is None:
            ok = verdict[ip] = _usable(ip, int(n), max_accounts, is_anonymous, census)
        if ok:
            window = IpWindow(_seconds(first), _seconds(last))
            census.windows.setdefault(int(account_id), {})[ip] = window
    return census


def _names_and_postcodes(
    conn: Connection, op_id: int
) -> tuple[dict[int, set[str]], dict[int, str]]:
    names: dict[int, set[str]] = defaultdict(set)
    postcodes: dict[int, str] = {}
    rows = conn.execute(
        text(
            "SELECT i.account_id, i.kind, i.norm FROM identifier i "
            "JOIN account a ON a.id = i.account_id "
            "WHERE a.operation_id = :op AND i.kind IN ('name', 'postcode')"
        ),
        {"op": op_id},
    )
    for account_id, kind, norm in rows:
        if kind == "name":
            if " " in norm:  # a full name, not a single word or handle
                names[int(account_id)].add(norm)
        elif " " in norm:  # a full postcode, not a bare district
            postcodes.setdefault(int(account_id), norm)
    return names, postcodes


def load_account_facts(
    conn: Connection, op_id: int, ips: dict[int, dict[str, IpWindow]]
) -> dict[int, AccountFacts]:
    """Facts of the accounts that share an IP, or have a full postcode and a name."""
    from safeguard.ingest.normalise import normalise_name, normalise_postcode

    names, postcodes = _names_and_postcodes(conn, op_id)
    rows = conn.execute(
        text(
            "SELECT id, username_norm, display_name, declared_postcode FROM account "
            "WHERE operation_id = :op"
        ),
        {"op": op_id},
    )
    out: dict[int, AccountFacts] = {}
    for account_id, username, display, declared in rows:
        aid = int(account_id)
        who = names.get(aid, set())
        display_norm = normalise_name(display)
        if display_norm and " " in display_norm:
            who = who | {display_norm}
        pc = normalise_postcode(declared)
        postcode = pc[0] if pc and " " in pc[0] else postcodes.get(aid)
        if aid not in ips and not (postcode and who):
            continue
        out[aid] = AccountFacts(aid, username, postcode, frozenset(who), ips.get(aid, {}))
    return out
