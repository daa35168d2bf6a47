"""Write ``OUT/cybertipline/``: CyberTipline reports from a second service, in the shape of
NCMEC's Reporting API (a folder per report named by its report id, ``fileDetails`` as
documents of their own, ``cybertipline.json`` naming the provider).

The reports are about some of the operation's persons (producers first) as users of
another service, ``ExampleChat``: the same e-mail address and phone as their first platform
account, so the resolve stage can link them; logins from their home address with a port;
files from the known hash sets. About a fifth of the reported users are reported twice.
Everything is invented.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from safeguard.ingest.testing import (
    cybertip_file_details_xml,
    cybertip_report_xml,
    write_cybertip_delivery,
)
from safeguard.synth.accounts import Accounts
from safeguard.synth.network import Network
from safeguard.synth.params import WINDOW_END, WINDOW_START
from safeguard.synth.persons import Persons
from safeguard.synth.universe import Universe

__all__ = ["PROVIDER", "write_cybertipline"]

PROVIDER = "ExampleChat"
_FIRST_REPORT = 500_000_001
_MAX_REPORTED = 200


def _when(rng: np.random.Generator) -> str:
    ts = int(rng.integers(WINDOW_START, WINDOW_END))
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _reported(rng: np.random.Generator, persons: Persons) -> list[int]:
    """About 1 % of persons (at least 2, at most 200), producers first."""
    k = max(2, min(_MAX_REPORTED, persons.n // 100))
    order = rng.permutation(persons.n)
    ranked = sorted(order.tolist(), key=lambda p: not persons.producer[p])
    return ranked[:k]


def _phone(e164: str) -> tuple[list[str], str | None]:
    """A phone as NCMEC's clients send it: national digits with ``countryCallingCode``."""
    import phonenumbers

    if not e164:
        return [], None
    number = phonenumbers.parse(e164)
    return [str(number.national_number)], f"+{number.country_code}"


def _files(rng: np.random.Generator, universe: Universe, report_id: str, ip: str) -> list[str]:
    """One to three ``fileDetails`` documents of known files, uploaded from ``ip``."""
    docs = []
    for k in range(int(rng.integers(1, 4))):
        row = int(rng.integers(0, max(universe.n_known, 1)))
        hashes = {t.upper(): universe.columns[t][row].as_py() for t in ("md5", "sha1", "sha256")}
        upload = {"ipAddress": ip, "eventName": "Upload", "dateTime": _when(rng),
                  "port": int(rng.integers(1024, 65536))}  # fmt: skip
        docs.append(cybertip_file_details_xml(
            report_id, file_id=f"f{k + 1}", file_name=f"IMG_{k + 1:04}.jpg",
            hashes={t: v for t, v in hashes.items() if v}, ip_events=[upload]))  # fmt: skip
    return docs


def _report(
    rng: np.random.Generator, w: tuple[Persons, Accounts, Network], person: int, ip: str
) -> str:
    persons, acc, _net = w
    first = int(np.flatnonzero(acc.person == person)[0])
    phones, code = _phone(str(persons.phone[person]))
    login = {"ipAddress": ip, "eventName": "Login", "dateTime": _when(rng),
             "port": int(rng.integers(1024, 65536))}  # fmt: skip
    return cybertip_report_xml(
        esp=None, esp_id=f"ec-{person}", screen_name=f"{persons.email_local[person]}_chat",
        display_name=persons.full_name(person), emails=[acc.email[first]], phones=phones,
        phone_code=code, country=str(persons.country[person]), ip_events=[login],
        incident=_when(rng),
    )  # fmt: skip


def write_cybertipline(
    out: Path,
    rng: np.random.Generator,
    w: tuple[Persons, Accounts, Network],
    universe: Universe,
) -> int:
    """Write the CyberTipline delivery under ``out``; returns the number of reports."""
    reports: dict[str, tuple[str, list[str]]] = {}
    for person in _reported(rng, w[0]):
        ip = w[2].ips[int(w[2].home[person])].as_py()
        for _twice in range(2 if rng.random() < 0.2 else 1):
            report_id = str(_FIRST_REPORT + len(reports))
            files = _files(rng, universe, report_id, ip)
            reports[report_id] = (_report(rng, w, person, ip), files)
    write_cybertip_delivery(out, reports, provider=PROVIDER)
    return len(reports)
