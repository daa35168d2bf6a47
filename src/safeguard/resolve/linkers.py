"""Linkers: each decides, from plain data, whether two accounts look like one person.

Strong linkers join accounts that share one normalised identifier the platform ties to a
single person (email, phone, device id, payment reference); their links are accepted outright
and joined with union-find. Weak linkers score a candidate pair; the stage adds the scores of
every weak linker for the pair and accepts it only at :data:`WEAK_THRESHOLD` or above. No weak
linker alone reaches the threshold, so a shared IP, a similar username or a shared postcode
never links two accounts by itself.

Each linker's ``name`` is a storage key (``link_evidence.linker``): never rename one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from safeguard.errors import PluginError
from safeguard.resolve.facts import AccountFacts, IdentifierGroup, Link, Strength

__all__ = [
    "LINKERS",
    "STRONG_LINKERS",
    "WEAK_LINKERS",
    "WEAK_THRESHOLD",
    "IdentifierLinker",
    "Linker",
    "PostcodeNameLinker",
    "SharedIpLinker",
    "UsernameLinker",
    "WeakLinker",
    "edit_distance",
]

#: A weak pair is linked when the weak linkers' scores for it add up to at least this.
WEAK_THRESHOLD = 1.0


class Linker(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def strength(self) -> Strength: ...

    @property
    def description(self) -> str: ...


class WeakLinker(Linker, Protocol):
    def score(self, a: AccountFacts, b: AccountFacts) -> tuple[float, dict[str, Any]] | None:
        """A score in (0, WEAK_THRESHOLD) with its evidence, or None when nothing is shared."""
        ...


@dataclass(frozen=True)
class IdentifierLinker:
    """Strong: accounts sharing one normalised identifier of ``kind`` are one person."""

    name: str
    kind: str
    description: str
    strength: Literal["strong"] = "strong"

    def links(self, group: IdentifierGroup) -> list[Link]:
        """A star of accepted links from the group's lowest account id to every other one."""
        ids = sorted(set(group.account_ids))
        evidence = {"kind": self.kind, "value": group.norm, "via": group.via, "accounts": len(ids)}
        return [Link(ids[0], other, self.name, "strong", 1.0, True, evidence) for other in ids[1:]]


@dataclass(frozen=True)
class SharedIpLinker:
    """Weak: both accounts used one residential, non-anonymous IP at overlapping times.

    The stage only passes IPs that are global, not in the Anonymous-IP database and used by
    few accounts (NAT, VPN and Tor exits never reach this linker).
    """

    name: str = "shared-ip"
    strength: Literal["weak"] = "weak"
    description: str = "same residential IP in overlapping activity windows"
    slack_seconds: float = 86_400.0
    one_ip: float = 0.5
    several_ips: float = 0.7

    def score(self, a: AccountFacts, b: AccountFacts) -> tuple[float, dict[str, Any]] | None:
        shared = sorted(
            ip
            for ip in a.ips.keys() & b.ips.keys()
            if a.ips[ip].overlaps(b.ips[ip], self.slack_seconds)
        )
        if not shared:
            return None
        value = self.several_ips if len(shared) > 1 else self.one_ip
        return value, {"ips": shared[:10], "shared_ips": len(shared)}


_TRAILING_DIGITS = re.compile(r"[\d_.\-]+$")


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Levenshtein distance, or ``limit + 1`` once it is known to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return min(prev[-1], limit + 1)


@dataclass(frozen=True)
class UsernameLinker:
    """Weak: the same or a near-identical normalised username (one edit, or digits added)."""

    name: str = "username"
    strength: Literal["weak"] = "weak"
    description: str = "identical or near-identical usernames"
    same: float = 0.6
    near: float = 0.5
    min_length: int = 5

    def score(self, a: AccountFacts, b: AccountFacts) -> tuple[float, dict[str, Any]] | None:
        ua, ub = a.username, b.username
        if not ua or not ub or min(len(ua), len(ub)) < self.min_length:
            return None
        if ua == ub:
            return self.same, {"usernames": [ua, ub], "match": "identical"}
        stem_a, stem_b = _TRAILING_DIGITS.sub("", ua), _TRAILING_DIGITS.sub("", ub)
        if len(stem_a) >= self.min_length and stem_a == stem_b:
            return self.near, {"usernames": [ua, ub], "match": "same-stem"}
        if edit_distance(ua, ub, 1) <= 1:
            return self.near, {"usernames": [ua, ub], "match": "one-edit"}
        return None


@dataclass(frozen=True)
class PostcodeNameLinker:
    """Weak: the same full postcode and the same normalised personal name."""

    name: str = "postcode-name"
    strength: Literal["weak"] = "weak"
    description: str = "same full postcode and same name"
    value: float = 0.7

    def score(self, a: AccountFacts, b: AccountFacts) -> tuple[float, dict[str, Any]] | None:
        if not a.postcode or a.postcode != b.postcode:
            return None
        names = sorted(a.names & b.names)
        if not names:
            return None
        return self.value, {"postcode": a.postcode, "names": names[:5]}


STRONG_LINKERS: tuple[IdentifierLinker, ...] = (
    IdentifierLinker("email", "email", "same normalised email address (or Gmail without dots)"),
    IdentifierLinker("phone", "phone", "same phone number in E.164"),
    IdentifierLinker("device-id", "device_id", "same device identifier"),
    IdentifierLinker("payment-ref", "payment_ref", "same payment reference"),
)

WEAK_LINKERS: tuple[WeakLinker, ...] = (SharedIpLinker(), UsernameLinker(), PostcodeNameLinker())

#: Every built-in linker, strong first. Names are unique (checked at import).
LINKERS: tuple[Linker, ...] = (*STRONG_LINKERS, *WEAK_LINKERS)


def _check_registry(linkers: tuple[Linker, ...]) -> None:
    seen: set[str] = set()
    for linker in linkers:
        if linker.name in seen:
            raise PluginError(f"two linkers are named {linker.name!r}")
        seen.add(linker.name)


_check_registry(LINKERS)
