"""Persons: where they live, their latent traits, and their canonical identifiers.

Everything is drawn with numpy from one generator, so the same seed gives the same people.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from safeguard.refdata import uk
from safeguard.synth.idents import MOBILE_FREE_DIGITS, mobile_number
from safeguard.synth.world import (
    BORDER_DISTRICTS,
    COUNTRIES,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    SECTORS,
    SURNAME_PARTS,
)

__all__ = ["PERSON_PHONES", "Persons", "draw_persons"]

#: Persons' non-UK numbers use this many values of the free digits; accounts' own numbers
#: use the rest, so the two never collide.
PERSON_PHONES = 10**MOBILE_FREE_DIGITS // 2

ACCOUNT_COUNTS = np.array([1, 2, 3, 4])
ACCOUNT_WEIGHTS = np.array([0.74, 0.16, 0.07, 0.03])
UK_MOBILE_PREFIXES = ("75", "77", "78", "79")
UK_GEO_AREAS = ("113", "114", "115", "116", "117", "121", "131", "141", "151", "161", "191")

Strings = NDArray[np.object_]
Bools = NDArray[np.bool_]


@dataclass
class Persons:
    """Column arrays, one entry per person (person index = position)."""

    n: int
    n_accounts: NDArray[np.int64]
    country: Strings
    force: Strings  # "" outside the UK
    district: Strings  # "" outside the UK
    household: NDArray[np.int64]  # -1 = none
    trust: NDArray[np.int64]  # -1 = none, else index into SECTORS
    prior: Bools
    rso: Bools
    children: Bools
    producer: Bools
    contact: Bools
    traveller: Bools
    anonymiser: Bools
    ipv6: Bools
    severity: NDArray[np.float64]
    activity: NDArray[np.float64]
    travel_to: NDArray[np.int64]
    first: Strings
    last: Strings
    dob_days: NDArray[np.int64]
    email_local: Strings
    email_domain: Strings
    gmail: Bools
    phone: Strings  # E.164 or ""
    devices: Strings  # shape (n, 2), second may be ""

    @property
    def uk(self) -> Bools:
        return np.asarray(self.country == "GB")

    def full_name(self, i: int) -> str:
        return f"{self.first[i].capitalize()} {self.last[i].capitalize()}"

    def trust_sector(self, i: int) -> str | None:
        return SECTORS[int(self.trust[i])] if self.trust[i] >= 0 else None


def _account_counts(rng: np.random.Generator, accounts: int) -> NDArray[np.int64]:
    guess = int(accounts / 1.39 * 1.2) + 8
    counts = rng.choice(ACCOUNT_COUNTS, size=guess, p=ACCOUNT_WEIGHTS).astype(np.int64)
    total = np.cumsum(counts)
    n = int(np.searchsorted(total, accounts)) + 1
    counts = counts[:n]
    counts[-1] -= int(total[n - 1]) - accounts
    return counts


def _countries(rng: np.random.Generator, n: int, uk_share: float) -> Strings:
    weights = np.array([c.weight for c in COUNTRIES])
    other = rng.choice(len(COUNTRIES), size=n, p=weights / weights.sum())
    iso = np.array([c.iso for c in COUNTRIES], dtype=object)[other]
    return np.where(rng.random(n) < uk_share, "GB", iso).astype(object)


def _uk_places(rng: np.random.Generator, n: int) -> tuple[list[str], list[str]]:
    """(district, true force) for ``n`` UK persons, where people live; a few in border districts."""
    shares = uk.district_shares()
    districts = sorted(shares)
    residents = uk.district_residents()
    weights = np.array([residents[d] for d in districts], dtype=np.float64)
    picks = rng.choice(len(districts), n, p=weights / weights.sum())
    border = rng.random(n) < 0.04
    border_pick = rng.integers(0, len(BORDER_DISTRICTS), n)
    split = rng.random(n)
    out_d: list[str] = []
    out_f: list[str] = []
    for i in range(n):
        d = BORDER_DISTRICTS[border_pick[i]] if border[i] else districts[picks[i]]
        cum = np.cumsum([s.share for s in shares[d]])
        k = min(int(np.searchsorted(cum, split[i] * cum[-1])), len(cum) - 1)
        out_d.append(d)
        out_f.append(shares[d][k].force_id)
    return out_d, out_f


def _households(rng: np.random.Generator, country: Strings, force: Strings) -> list[list[int]]:
    """Group about 10% of persons into households of 2-3 in the same country and force."""
    n = len(country)
    groups: list[list[int]] = []
    candidates = np.flatnonzero(rng.random(n) < 0.10)
    keys = [f"{country[i]}/{force[i]}" for i in candidates]
    order = sorted(range(len(candidates)), key=lambda j: keys[j])
    sizes = rng.integers(2, 4, len(order) + 1)
    next_id, j = 0, 0
    while j + 1 < len(order):
        size = int(sizes[next_id])
        group = [order[j]]
        while len(group) < size and j + len(group) < len(order):
            nxt = order[j + len(group)]
            if keys[nxt] != keys[order[j]]:
                break
            group.append(nxt)
        if len(group) >= 2:
            groups.append([int(candidates[g]) for g in group])
            next_id += 1
        j += len(group)
    return groups


def _place(
    rng: np.random.Generator, country: Strings
) -> tuple[Strings, Strings, NDArray[np.int64]]:
    n = len(country)
    district = np.full(n, "", dtype=object)
    force = np.full(n, "", dtype=object)
    ukx = np.flatnonzero(country == "GB")
    d, f = _uk_places(rng, len(ukx))
    district[ukx] = d
    force[ukx] = f
    household = np.full(n, -1, dtype=np.int64)
    for h, members in enumerate(_households(rng, country, force)):
        household[members] = h
        district[members] = district[members[0]]
    return district, force, household


def _latent_contact(rng: np.random.Generator, traits: dict[str, NDArray[Any]]) -> Bools:
    """The latent contact-offending flag: correlated with, not determined by, the traits."""
    z = (
        -3.4
        + 1.6 * (traits["trust"] >= 0)
        + 1.8 * traits["prior"]
        + 0.7 * traits["children"]
        + 1.2 * traits["producer"]
        + 2.6 * traits["severity"]
    )
    return np.asarray(rng.random(len(z)) < 1.0 / (1.0 + np.exp(-z)))


def _traits(rng: np.random.Generator, n: int) -> dict[str, NDArray[Any]]:
    prior = rng.random(n) < 0.04
    traits: dict[str, NDArray[Any]] = {
        "trust": np.where(rng.random(n) < 0.05, rng.integers(0, len(SECTORS), n), -1),
        "prior": prior,
        "rso": prior & (rng.random(n) < 0.4),
        "children": rng.random(n) < 0.12,
        "producer": rng.random(n) < 0.02,
        "traveller": rng.random(n) < 0.12,
        "anonymiser": rng.random(n) < 0.10,
        "ipv6": rng.random(n) < 0.08,
        "severity": rng.beta(1.5, 5.0, n),
        "activity": rng.lognormal(0.0, 0.8, n),
        "travel_to": rng.integers(0, len(COUNTRIES), n),
    }
    traits["producer"][: max(1, n // 1000)] |= not traits["producer"].any()  # at least one
    traits["contact"] = _latent_contact(rng, traits)
    return traits


def _phones(rng: np.random.Generator, country: Strings) -> Strings:
    n = len(country)
    unique = (np.arange(n, dtype=np.int64) * 7919 + int(rng.integers(0, 10**7))) % 10**8
    has = rng.random(n) < 0.75
    mobile = rng.random(n) < 0.85
    prefix = rng.integers(0, len(UK_MOBILE_PREFIXES), n)
    area = rng.integers(0, len(UK_GEO_AREAS), n)
    out = np.full(n, "", dtype=object)
    for i in np.flatnonzero(has):
        if country[i] != "GB":  # the lower half of the free digits; accounts' own: upper
            out[i] = mobile_number(country[i], int(unique[i]) % PERSON_PHONES)
        elif mobile[i]:
            out[i] = f"+44{UK_MOBILE_PREFIXES[prefix[i]]}{unique[i]:08d}"
        else:
            out[i] = f"+44{UK_GEO_AREAS[area[i]]}{unique[i] % 10**7:07d}"
    return out


def _device_ids(rng: np.random.Generator, n: int) -> list[str]:
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    hexed = raw.tobytes().hex()
    out = []
    for i in range(n):
        h = hexed[32 * i : 32 * i + 32]
        out.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return out


def _identity(rng: np.random.Generator, country: Strings) -> dict[str, NDArray[Any]]:
    n = len(country)
    first = np.array(FIRST_NAMES, dtype=object)[rng.integers(0, len(FIRST_NAMES), n)]
    last = np.char.add(
        np.array(SURNAME_PARTS[:20])[rng.integers(0, 20, n)],
        np.array(SURNAME_PARTS[20:])[rng.integers(0, len(SURNAME_PARTS) - 20, n)],
    ).astype(object)
    weights = np.array([d[1] for d in EMAIL_DOMAINS])
    dom = rng.choice(len(EMAIL_DOMAINS), size=n, p=weights / weights.sum())
    devices = np.array(_device_ids(rng, 2 * n), dtype=object).reshape(n, 2)
    devices[rng.random(n) >= 0.3, 1] = ""
    return {
        "first": first,
        "last": last,
        "dob_days": rng.integers(-5479, 12418, n),  # 1955-01-01 .. 2003-12-31
        "email_local": np.array([f"{first[i]}.{last[i]}{i}" for i in range(n)], dtype=object),
        "email_domain": np.array([d[0] for d in EMAIL_DOMAINS], dtype=object)[dom],
        "gmail": np.array([d[2] for d in EMAIL_DOMAINS])[dom],
        "phone": _phones(rng, country),
        "devices": devices,
    }


def draw_persons(rng: np.random.Generator, accounts: int, uk_share: float) -> Persons:
    """Draw persons until they own exactly ``accounts`` accounts between them."""
    counts = _account_counts(rng, accounts)
    n = len(counts)
    country = _countries(rng, n, uk_share)
    district, force, household = _place(rng, country)
    fields: dict[str, object] = {**_traits(rng, n), **_identity(rng, country)}
    return Persons(
        n=n,
        n_accounts=counts,
        country=country,
        force=force,
        district=district,
        household=household,
        **fields,  # type: ignore[arg-type]
    )
