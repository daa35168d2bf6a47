"""The JSON documents of a synthetic operation: manifest, ground truth, synth.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from safeguard.hashing.files import sha256_file
from safeguard.synth.accounts import Accounts
from safeguard.synth.network import Network
from safeguard.synth.params import PRODUCED_AT
from safeguard.synth.persons import Persons
from safeguard.synth.world import COUNTRIES

__all__ = ["GRADING", "ground_truth", "write_json", "write_json_rows", "write_manifest"]

GRADING = {
    "source": "2",
    "intelligence": "B",
    "handling": "P",
    "conditions": "Synthetic test data: not to be disseminated outside the test environment",
}


def write_json(path: Path, value: Any) -> None:
    """Stable JSON: sorted keys, fixed separators, trailing newline."""
    with path.open("w", encoding="utf-8", newline="\n") as out:
        json.dump(value, out, sort_keys=True, indent=1, ensure_ascii=False)
        out.write("\n")


def write_json_rows(path: Path, value: dict[str, Any]) -> None:
    """Stable JSON for large documents: top-level keys sorted, each list item on one line.

    Uses the C encoder (no indentation inside items), so 100k persons take well under a
    second; the result is still valid JSON and diff-friendly.
    """

    def dump(item: Any) -> str:
        return json.dumps(item, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))

    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write("{\n")
        for k, key in enumerate(sorted(value)):
            item = value[key]
            out.write(",\n" if k else "")
            if isinstance(item, list) and item:
                out.write(f"{dump(key)}: [\n" + ",\n".join(dump(x) for x in item) + "\n]")
            else:
                out.write(f"{dump(key)}: {dump(item)}")
        out.write("\n}\n")


def write_manifest(delivery: Path, tables: list[str]) -> dict[str, str]:
    """Write manifest.json listing the SHA-256 of every table; returns those checksums."""
    files = {name: sha256_file(delivery / name)[0] for name in tables}
    write_json(delivery / "manifest.json", {
        "format": "safeguard-platform-export",
        "version": 1,
        "platform": "Synthetic Exchange",
        "source_agency": "Synthetic Partner Agency (test data)",
        "produced_at": PRODUCED_AT,
        "grading": GRADING,
        "files": files,
    })  # fmt: skip
    return files


def _person(persons: Persons, i: int, accounts: list[str]) -> dict[str, Any]:
    uk_person = persons.country[i] == "GB"
    household = int(persons.household[i])
    return {
        "person_id": f"P{i + 1:07d}",
        "accounts": accounts,
        "country": str(persons.country[i]),
        "force_id": str(persons.force[i]) if uk_person else None,
        "district": str(persons.district[i]) if uk_person else None,
        "contact_offending": bool(persons.contact[i]),
        "producer": bool(persons.producer[i]),
        "position_of_trust": persons.trust_sector(i),
        "prior_conviction": bool(persons.prior[i]),
        "registered_sex_offender": bool(persons.rso[i]),
        "lives_with_children": bool(persons.children[i]),
        "traveller": bool(persons.traveller[i]),
        "travel_to": COUNTRIES[int(persons.travel_to[i])].iso if persons.traveller[i] else None,
        "anonymiser": bool(persons.anonymiser[i]),
        "household": f"H{household + 1:06d}" if household >= 0 else None,
    }


def ground_truth(
    seed: int,
    persons: Persons,
    acc: Accounts,
    net: Network,
    *,
    lexicon: str,
    registered: list[int],
) -> dict[str, Any]:
    """Who is who: used only by evaluation, never read by the pipeline."""
    owned: list[list[str]] = [[] for _ in range(persons.n)]
    ids = acc.platform_id.to_pylist()
    for k, p in enumerate(acc.person.tolist()):
        owned[p].append(ids[k])
    households: dict[str, dict[str, Any]] = {}
    for i in range(persons.n):
        h = int(persons.household[i])
        if h >= 0:
            entry = households.setdefault(f"H{h + 1:06d}", {"persons": [], "ip": None})
            entry["persons"].append(f"P{i + 1:07d}")
            entry["ip"] = net.ips[int(net.home[i])].as_py()
    return {
        "seed": seed,
        "accounts": acc.n,
        "persons": [_person(persons, i, sorted(owned[i])) for i in range(persons.n)],
        "households": households,
        "registered_persons": [f"P{i + 1:07d}" for i in registered],
        "lexicon": lexicon,
    }
