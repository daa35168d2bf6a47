"""Platform accounts: which person owns each, and the identifiers each account shows.

A person's second and later accounts share at least one strong identifier with the first
(the same e-mail written differently, the same phone in another format, the same device),
but not always all of them. Identifiers that are not shared are unique to the account.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from safeguard.synth.idents import (
    EMAIL_STYLES,
    PHONE_STYLES,
    email_variant,
    mobile_number,
    phone_variant,
)
from safeguard.synth.params import WINDOW_START
from safeguard.synth.persons import PERSON_PHONES, Persons, _device_ids

__all__ = ["CONTACTS", "Accounts", "draw_accounts"]

CONTACTS = 4  # each account trades and talks with a few fixed counterparts


@dataclass
class Accounts:
    n: int
    person: NDArray[np.int64]
    ordinal: NDArray[np.int64]  # 0 = the person's first account
    platform_id: pa.Array  # "u12345678"
    email: list[str]
    phone: list[str]  # "" = none
    device: list[str]
    created: NDArray[np.int64]
    contacts: NDArray[np.int64]  # (n, CONTACTS) account indices


def _order(rng: np.random.Generator, persons: Persons) -> tuple[NDArray[np.int64], ...]:
    person = np.repeat(np.arange(persons.n, dtype=np.int64), persons.n_accounts)
    starts = np.concatenate([[0], np.cumsum(persons.n_accounts)[:-1]])
    ordinal = np.arange(len(person), dtype=np.int64) - np.repeat(starts, persons.n_accounts)
    perm = rng.permutation(len(person))
    return person[perm], ordinal[perm]


def _share_masks(
    rng: np.random.Generator,
    persons: Persons,
    person: NDArray[np.int64],
    ordinal: NDArray[np.int64],
) -> NDArray[np.bool_]:
    """(n, 3) booleans: shares the person's email, phone, device."""
    n = len(person)
    has_phone = persons.phone[person] != ""
    mask = rng.random((n, 3)) < np.array([0.6, 0.5, 0.5])
    mask[:, 1] &= has_phone
    none = ~mask.any(axis=1)
    mask[none, 0] = True
    mask[ordinal == 0] = [True, True, True]
    mask[:, 1] &= has_phone
    return mask


def _own_phone(country: str, k: int) -> str:
    if country == "GB":
        return f"+4474{k:08d}"
    return mobile_number(country, PERSON_PHONES + k % PERSON_PHONES)


def _identifiers(
    rng: np.random.Generator, persons: Persons, person: NDArray[np.int64], mask: NDArray[np.bool_]
) -> tuple[list[str], list[str], list[str]]:
    n = len(person)
    e_style = rng.integers(0, EMAIL_STYLES, n).tolist()
    p_style = rng.integers(0, PHONE_STYLES, n).tolist()
    own_phone = (rng.random(n) < 0.25).tolist()
    uniq = ((np.arange(n) * 7919 + int(rng.integers(0, 10**7))) % 10**8).tolist()
    fresh = _device_ids(rng, n)
    emails, phones, devices = [], [], []
    for i, p in enumerate(person.tolist()):
        local, domain = persons.email_local[p], persons.email_domain[p]
        if mask[i, 0]:
            emails.append(email_variant(local, domain, bool(persons.gmail[p]), e_style[i]))
        else:
            emails.append(f"{persons.first[p]}_{i}x@{domain}")
        if mask[i, 1]:
            phones.append(phone_variant(persons.phone[p], p_style[i]))
        else:
            phones.append(_own_phone(persons.country[p], uniq[i]) if own_phone[i] else "")
        devices.append(persons.devices[p, 0] if mask[i, 2] else fresh[i])
    return emails, phones, devices


def draw_accounts(rng: np.random.Generator, persons: Persons) -> Accounts:
    person, ordinal = _order(rng, persons)
    n = len(person)
    ids = 10_000_000 + (np.arange(n, dtype=np.int64) * 7919 + int(rng.integers(0, 10**7))) % (
        90_000_000
    )
    emails, phones, devices = _identifiers(
        rng, persons, person, _share_masks(rng, persons, person, ordinal)
    )
    contacts = rng.integers(0, n, (n, CONTACTS))
    self_ref = contacts == np.arange(n)[:, None]
    contacts[self_ref] = (contacts[self_ref] + 1) % n
    created = WINDOW_START - rng.integers(0, 2 * 365 * 86400, n) + rng.integers(0, 200 * 86400, n)
    return Accounts(
        n=n, person=person, ordinal=ordinal,
        platform_id=pa.array(np.char.add("u", ids.astype(str)).astype(object), pa.string()),
        email=emails, phone=phones, device=devices, created=created.astype(np.int64),
        contacts=contacts.astype(np.int64),
    )  # fmt: skip
