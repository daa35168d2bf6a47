"""Write ``accounts.csv`` and ``identifiers.csv`` (FORMATS §1)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from safeguard.synth.accounts import Accounts
from safeguard.synth.network import Network
from safeguard.synth.params import WINDOW_END
from safeguard.synth.persons import Persons
from safeguard.synth.tables import TableWriter, iso_timestamps
from safeguard.synth.world import COUNTRIES

__all__ = ["ACCOUNT_COLUMNS", "IDENTIFIER_COLUMNS", "write_accounts", "write_identifiers"]

ACCOUNT_COLUMNS = (
    "account_id", "username", "display_name", "email", "phone", "created_at", "date_of_birth",
    "declared_country", "declared_city", "declared_postcode", "bio",
)  # fmt: skip
IDENTIFIER_COLUMNS = ("account_id", "kind", "value", "first_seen", "last_seen")
_HANDLES = ("otter", "comet", "maple", "harbor", "pixel", "ember", "fjord", "quartz", "tundra",
            "willow", "cinder", "nimbus")  # fmt: skip
_BIOS = ("just here to chat", "photography and hiking", "night owl", "tea over coffee",
         "collector of odd things", "weekend gardener")  # fmt: skip
_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_ISO = [c.iso for c in COUNTRIES] + ["GB"]


def _declared_country(rng: np.random.Generator, true: str) -> str:
    u = rng.random()
    if u < 0.78:
        return true
    if u < 0.86:
        return _ISO[int(rng.integers(0, len(_ISO)))]
    return ""


def _postcode(rng: np.random.Generator, district: str) -> str:
    if rng.random() < 0.5:
        return district
    a, b = rng.integers(0, len(_LETTERS), 2)
    return f"{district} {int(rng.integers(1, 10))}{_LETTERS[a]}{_LETTERS[b]}"


def _dob(rng: np.random.Generator, days: int) -> str:
    u = rng.random()
    if u < 0.5:
        return str(np.datetime64(int(days), "D"))
    if u < 0.58:
        return str(np.datetime64(int(days) + int(rng.integers(-3000, 3000)), "D"))
    return ""


def _profile(rng: np.random.Generator, persons: Persons, net: Network, p: int, i: int) -> list[str]:
    """username, display_name, date_of_birth, country, city, postcode, bio of one account."""
    name = persons.full_name(p)
    handle = f"{_HANDLES[i % len(_HANDLES)]}_{i:x}"
    uk_home = persons.country[p] == "GB"
    city = net.ranges[int(net.home_range[p])].city or ""
    return [
        handle,
        name if rng.random() < 0.4 else (handle.replace("_", " ") if rng.random() < 0.5 else ""),
        _dob(rng, int(persons.dob_days[p])),
        _declared_country(rng, str(persons.country[p])),
        city if rng.random() < 0.25 else "",
        _postcode(rng, str(persons.district[p])) if uk_home and rng.random() < 0.3 else "",
        _BIOS[int(rng.integers(0, len(_BIOS)))] if rng.random() < 0.1 else "",
    ]


def write_accounts(
    path: Path, rng: np.random.Generator, persons: Persons, acc: Accounts, net: Network
) -> tuple[int, list[list[str]]]:
    """Write accounts.csv; returns the row count and each account's profile fields."""
    profiles = [_profile(rng, persons, net, int(p), i) for i, p in enumerate(acc.person)]
    cols = list(zip(*profiles, strict=True))
    with TableWriter(path, ACCOUNT_COLUMNS) as w:
        w.write({
            "account_id": acc.platform_id,
            "username": pa.array(cols[0]),
            "display_name": pa.array([v or None for v in cols[1]], pa.string()),
            "email": pa.array(acc.email),
            "phone": pa.array([v or None for v in acc.phone], pa.string()),
            "created_at": iso_timestamps(acc.created),
            "date_of_birth": pa.array([v or None for v in cols[2]], pa.string()),
            "declared_country": pa.array([v or None for v in cols[3]], pa.string()),
            "declared_city": pa.array([v or None for v in cols[4]], pa.string()),
            "declared_postcode": pa.array([v or None for v in cols[5]], pa.string()),
            "bio": pa.array([v or None for v in cols[6]], pa.string()),
        })  # fmt: skip
        return w.rows, profiles


def _payment_refs(rng: np.random.Generator, persons: Persons) -> list[str]:
    raw = rng.integers(0, 256, (persons.n, 6), dtype=np.uint8).tobytes().hex().upper()
    has = (rng.random(persons.n) < 0.15).tolist()
    return [f"PAY-{raw[12 * i : 12 * i + 12]}" if has[i] else "" for i in range(persons.n)]


def write_identifiers(
    path: Path, rng: np.random.Generator, persons: Persons, acc: Accounts, profiles: list[list[str]]
) -> int:
    """Devices, payment references, postcodes and names seen on each account."""
    pay = _payment_refs(rng, persons)
    listed = (rng.random(acc.n) < 0.7).tolist()
    rows: list[tuple[int, str, str]] = []
    for i, p in enumerate(acc.person.tolist()):
        rows.append((i, "device_id", acc.device[i]))
        if pay[p] and listed[i]:
            rows.append((i, "payment_ref", pay[p]))
        if profiles[i][5]:
            rows.append((i, "postcode", profiles[i][5]))
        if profiles[i][1] == persons.full_name(p):
            rows.append((i, "name", profiles[i][1]))
    index = np.array([r[0] for r in rows], dtype=np.int64)
    with TableWriter(path, IDENTIFIER_COLUMNS) as w:
        w.write({
            "account_id": acc.platform_id.take(pa.array(index)),
            "kind": pa.array([r[1] for r in rows]),
            "value": pa.array([r[2] for r in rows]),
            "first_seen": iso_timestamps(acc.created[index]),
            "last_seen": iso_timestamps(np.full(len(index), WINDOW_END, dtype=np.int64)),
        })  # fmt: skip
        return w.rows
