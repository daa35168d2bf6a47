"""The synthetic operation is consistent with its ground truth and exercises every stage."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import maxminddb

from safeguard.refdata import uk
from safeguard.synth.idents import canonical_email, canonical_phone
from safeguard.synth.world import BORDER_DISTRICTS

Rows = dict[str, list[dict[str, str]]]
BAD_IP = "300.12.7.999"


def _owner(truth: dict[str, Any]) -> dict[str, str]:
    return {a: p["person_id"] for p in truth["persons"] for a in p["accounts"]}


def _strong_identifiers(tables: Rows) -> dict[str, set[str]]:
    """Account → canonical e-mail, phone and device ids (from accounts.csv and logins)."""
    out: dict[str, set[str]] = defaultdict(set)
    for row in tables["accounts"]:
        out[row["account_id"]].add("e:" + canonical_email(row["email"]))
        if row["phone"]:
            out[row["account_id"]].add("p:" + canonical_phone(row["phone"]))
    for row in tables["logins"]:
        if row["device_id"]:
            out[row["account_id"]].add("d:" + row["device_id"])
    return out


def test_every_account_belongs_to_exactly_one_person(truth: dict[str, Any], tables: Rows) -> None:
    listed = [a for p in truth["persons"] for a in p["accounts"]]
    assert len(listed) == len(set(listed)) == truth["accounts"]
    assert set(listed) == {r["account_id"] for r in tables["accounts"]}
    sizes = Counter(len(p["accounts"]) for p in truth["persons"])
    assert set(sizes) <= {1, 2, 3, 4}
    assert sizes[1] > sizes[2] > 0


def test_persons_accounts_share_identifiers_and_persons_never_do(
    truth: dict[str, Any], tables: Rows
) -> None:
    ids = _strong_identifiers(tables)
    owner = _owner(truth)
    holders: dict[str, set[str]] = defaultdict(set)
    for account, values in ids.items():
        if account in owner:
            for v in values:
                holders[v].add(owner[account])
    assert all(len(persons) == 1 for persons in holders.values())
    not_all_shared = 0
    for person in truth["persons"]:
        accounts = person["accounts"]
        reached = {accounts[0]}
        for _ in accounts:
            reached |= {a for a in accounts for r in reached if ids[a] & ids[r]}
        assert reached == set(accounts), person["person_id"]
        not_all_shared += len({frozenset(ids[a]) for a in accounts}) > 1
    assert not_all_shared > 0


def test_household_members_are_different_persons_sharing_an_ip(
    truth: dict[str, Any], tables: Rows
) -> None:
    owner = _owner(truth)
    ips_of: dict[str, set[str]] = defaultdict(set)
    for row in tables["logins"]:
        if row["account_id"] in owner:
            ips_of[owner[row["account_id"]]].add(row["ip"])
    assert truth["households"]
    for household in truth["households"].values():
        assert 2 <= len(household["persons"]) <= 3
        for person in household["persons"]:
            assert household["ip"] in ips_of[person]


def _home_ip(truth: dict[str, Any], tables: Rows) -> dict[str, str]:
    owner = _owner(truth)
    return {
        owner[r["account_id"]]: r["ip"]
        for r in tables["logins"]
        if r["event"] == "registration" and r["account_id"] in owner and r["ip"] != BAD_IP
    }


def test_uk_home_ranges_are_located_with_a_real_databases_error(
    operation: Path, truth: dict[str, Any], tables: Rows
) -> None:
    """Home ranges are coarse or wrong as real GeoIP is: not the ground truth written out."""
    city = maxminddb.open_database(str(operation / "geoip" / "Synth-City.mmdb"))
    assert city.metadata().database_type == "GeoIP2-City"
    homes = _home_ip(truth, tables)
    shares = uk.district_shares()
    seen: Counter[str] = Counter()
    for person in truth["persons"]:
        if person["country"] != "GB" or person["person_id"] not in homes:
            continue
        record: Any = city.get(homes[person["person_id"]])
        assert record["country"]["iso_code"] == "GB"
        radius = record["location"]["accuracy_radius"]
        if "postal" in record:
            right = shares[record["postal"]["code"]][0].force_id == person["force_id"]
            seen["postal-right" if right else "postal-wrong"] += 1
            assert radius <= 50 and record["city"]["names"]["en"]
        else:
            seen["coarse" if radius <= 100 else "country-only"] += 1
    n = sum(seen.values())
    assert n > 100
    assert 0.35 < (seen["postal-right"] + seen["postal-wrong"]) / n < 0.75
    assert 0 < seen["postal-wrong"] < 0.2 * (seen["postal-right"] + seen["postal-wrong"])
    assert 0.1 < seen["coarse"] / n < 0.45 and 0.05 < seen["country-only"] / n < 0.4
    assert {p["district"] for p in truth["persons"]} & set(BORDER_DISTRICTS)


def test_uk_mobile_ranges_are_located_at_a_carrier_hub(operation: Path) -> None:
    city = maxminddb.open_database(str(operation / "geoip" / "Synth-City.mmdb"))
    hubs = {"London", "Slough", "Manchester", "Birmingham", "Glasgow"}
    mobile = [
        rec
        for _, rec in city
        if isinstance(rec, dict)
        and rec["country"]["iso_code"] == "GB"
        and "subdivisions" not in rec
        and "city" in rec
    ]
    assert mobile
    assert {r["city"]["names"]["en"] for r in mobile} <= hubs
    assert all("postal" not in r for r in mobile)


def test_logins_cover_many_countries_anonymous_exits_and_ipv6(
    operation: Path, tables: Rows
) -> None:
    city = maxminddb.open_database(str(operation / "geoip" / "Synth-City.mmdb"))
    anon = maxminddb.open_database(str(operation / "geoip" / "Synth-Anonymous-IP.mmdb"))
    assert anon.metadata().database_type == "GeoIP2-Anonymous-IP"
    ips = {r["ip"] for r in tables["logins"]} - {BAD_IP}
    countries: set[str] = set()
    flags: Counter[str] = Counter()
    for ip in ips:
        record: Any = city.get(ip)
        countries.add(record["country"]["iso_code"])
        for key, value in (anon.get(ip) or {}).items():  # type: ignore[union-attr]
            flags[key] += bool(value)
    assert len(countries) >= 20
    assert flags["is_anonymous_vpn"] and flags["is_tor_exit_node"] and flags["is_hosting_provider"]
    assert any(":" in ip for ip in ips)


def _valid_time(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def test_malformed_rows_are_counted_per_table(operation: Path, tables: Rows) -> None:
    bad = json.loads((operation / "synth.json").read_text())["bad_rows"]
    logins = [r for r in tables["logins"] if r["ip"] == BAD_IP
              or r["account_id"] == "u00000000" or not _valid_time(r["timestamp"])]  # fmt: skip
    files = [r for r in tables["files"] if r["account_id"] == "u00000000"
             or not _valid_time(r["timestamp"]) or not (r["md5"] or r["pdq"])]  # fmt: skip
    assert len(logins) == bad["logins.csv"] > 0
    assert len(files) == bad["files.csv"] > 0
    assert bad["messages.csv"] > 0
