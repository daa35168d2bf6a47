"""Plain data that linkers work on: identifier groups, account facts, candidate pairs, links.

Linkers never see the database; the resolve stage loads these records with SQL aggregation
and hands them over, so every linker is tested with plain values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["AccountFacts", "IdentifierGroup", "IpWindow", "Link", "Strength"]

Strength = Literal["strong", "weak"]


@dataclass(frozen=True)
class IdentifierGroup:
    """Accounts of one operation sharing one normalised identifier value."""

    kind: str
    norm: str
    account_ids: tuple[int, ...]
    via: str = "norm"  # "alt_norm": the provider's looser form; "reading": a phone re-read


@dataclass(frozen=True)
class IpWindow:
    """When an account used an IP: first and last login, as POSIX seconds."""

    first: float
    last: float

    def overlaps(self, other: IpWindow, slack: float) -> bool:
        return self.first <= other.last + slack and other.first <= self.last + slack


@dataclass(frozen=True)
class AccountFacts:
    """What weak linkers compare about one account (all values already normalised)."""

    account_id: int
    username: str | None = None
    postcode: str | None = None
    names: frozenset[str] = frozenset()
    ips: Mapping[str, IpWindow] = field(default_factory=dict)


@dataclass(frozen=True)
class Link:
    """One pair of accounts a linker considered, with its score and why."""

    account_a: int
    account_b: int
    linker: str
    strength: Strength
    score: float
    accepted: bool
    evidence: Mapping[str, Any]

    def key(self) -> tuple[int, int]:
        return (min(self.account_a, self.account_b), max(self.account_a, self.account_b))
