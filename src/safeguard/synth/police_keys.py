"""How a police system keys a checks return: on the identifiers the unit's request sent,
with the name and date of birth as the police record holds them.

A request can only carry what the platform showed, so a return is keyed on an e-mail or phone
as one of the person's accounts showed it, or on name and date of birth when an account
showed the person's name and one (maybe another) showed the date. The police record's name
differs from the profile as records do: a formal name for a nickname, a middle name, a
double-barrelled surname, accents, an apostrophe, a one-letter typo, or day and month
swapped in the date. Drawn from a generator of its own, so the rest of the operation is the
same with or without it.
"""

from __future__ import annotations

import numpy as np
from nicknames import NickNamer

from safeguard.synth.accounts import Accounts
from safeguard.synth.persons import Persons
from safeguard.synth.world import FIRST_NAMES

__all__ = ["VARIATIONS", "PoliceKeys"]

#: (variation, probability) of a name_dob key.
VARIATIONS: tuple[tuple[str, float], ...] = (
    ("exact", 0.30), ("formal-name", 0.14), ("middle-name", 0.10), ("known-by-middle", 0.06),
    ("double-barrelled", 0.08), ("accent", 0.07), ("apostrophe", 0.05), ("typo", 0.10),
    ("day-month-swap", 0.10),
)  # fmt: skip
_ACCENTED = {"a": "á", "e": "é", "o": "ö", "u": "ü", "i": "í"}


class PoliceKeys:
    def __init__(
        self, seed: int, persons: Persons, acc: Accounts, profiles: list[list[str]]
    ) -> None:
        self.rng = np.random.default_rng([seed, 0x5EC])
        self.persons = persons
        self.namer = NickNamer()
        self.shown: dict[int, dict[str, list[str]]] = {}
        for i, p in enumerate(acc.person.tolist()):
            seen = self.shown.setdefault(p, {"email": [], "phone": [], "name": [], "dob": []})
            seen["email"].append(acc.email[i])
            if acc.phone[i]:
                seen["phone"].append(acc.phone[i])
            if profiles[i][1] == persons.full_name(p):
                seen["name"].append(profiles[i][1])
            if profiles[i][2]:
                seen["dob"].append(profiles[i][2])

    def key(self, person: int, kind: str, value: str) -> tuple[str, str, str]:
        """(kind, value, variation) of the key a return for ``person`` carries."""
        shown = self.shown[person]
        true_dob = value.rpartition("|")[2] if kind == "name_dob" else ""
        if kind == "name_dob" and shown["name"] and true_dob in shown["dob"]:
            return self._name_dob(person, true_dob)
        if kind == "phone" and shown["phone"]:
            return "phone", self._pick(shown["phone"]), "as sent"
        return "email", self._pick(shown["email"]), "as sent"

    def _pick(self, values: list[str]) -> str:
        return values[int(self.rng.integers(0, len(values)))]

    def _name_dob(self, person: int, dob: str) -> tuple[str, str, str]:
        p = self.persons
        first, last = str(p.first[person]).capitalize(), str(p.last[person]).capitalize()
        names, weights = zip(*VARIATIONS, strict=True)
        variation = str(self.rng.choice(names, p=np.array(weights) / sum(weights)))
        middle = str(FIRST_NAMES[int(self.rng.integers(0, len(FIRST_NAMES)))]).capitalize()
        formal = sorted(self.namer.canonicals_of(first.casefold()))
        y, m, d = dob.split("-")
        if variation == "formal-name" and formal:
            first = self._pick(formal).capitalize()
        elif variation == "middle-name":
            first = f"{first} {middle}"
        elif variation == "known-by-middle":
            first = f"{middle} {first}"
        elif variation == "double-barrelled":
            last = f"{last}-{str(p.last[(person + 7) % p.n]).capitalize()}"
        elif variation == "accent":
            k = next((j for j, c in enumerate(last) if c in _ACCENTED), 0)
            last = last[:k] + _ACCENTED.get(last[k], last[k]) + last[k + 1 :]
        elif variation == "apostrophe":
            last = f"{last[0]}'{last[1:].capitalize()}"
        elif variation == "typo":
            k = int(self.rng.integers(1, len(last) - 1))
            last = last[:k] + last[k + 1] + last[k] + last[k + 2 :]
        elif variation == "day-month-swap" and int(d) <= 12 and d != m:
            dob = f"{y}-{d}-{m}"
        else:
            variation = "exact"
        return "name_dob", f"{first} {last}|{dob}", variation
