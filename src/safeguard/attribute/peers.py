"""Learning where a fixed-line IP range is from the places its other users declared.

Geolocation vendors locate a range from the user-submitted locations of the people seen on
it; an investigator does the same by hand ("the other customers on this block all live in
Bradford"). Here, within one operation:

- a **range** is the /24 (IPv4) or /48 (IPv6) holding a UK address, as the City database
  places it, that is neither anonymous (VPN, Tor, hosting, proxy) nor shared by more than
  ``SHARED_IP_ACCOUNTS`` accounts (a carrier's NAT);
- a **peer** is one independent line on that range: an IPv4 address, or an IPv6 /64 (one
  household's network). Each account counts once per range, at the line it used most there;
  the line's vote is the mean of its accounts' *declared places* — the force distribution
  of their own postcode, coordinates, UK area-code phone and declared town, weighed by the
  family force votes of :data:`safeguard.attribute.combine.FAMILY_WEIGHTS`;
- for an account, its own line is left out (its own declarations are already its evidence;
  leaving the line out also leaves out its household and its other accounts there). The
  range is **learned** when at least ``MIN_PEERS`` other lines voted and the top force holds
  at least ``AGREE_SHARE`` of their vote; a range whose peers disagree is not learned.

A learned range gives the account one ``range`` item: the peers' force shares, the account's
logins on the range as mass (dated, so it decays like an IP item), and ``support`` = Laplace's
rule of succession ``(k + 1) / (n + 2)`` for ``k`` agreeing of ``n`` peers — the chance that
one more independent line there is in that force — which scales the family's force vote.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Protocol, runtime_checkable

from safeguard.attribute.combine import UK, decide
from safeguard.attribute.facts import AccountFacts, Evidence

__all__ = [
    "AGREE_SHARE",
    "DECLARING_SOURCES",
    "MIN_PEERS",
    "PEERS_FAMILY",
    "Learned",
    "Preparing",
    "RangeVotes",
    "declared_place",
    "declaring_facts",
    "learn",
    "line_of",
    "range_of",
]

#: Other independent lines on a range that must have declared a place before it is learned.
MIN_PEERS = 3
#: Share of those lines' vote the top force needs (fewer agreeing: the range is not learned).
AGREE_SHARE = 2 / 3
#: Sources whose items are an account's own declared place.
DECLARING_SOURCES = ("postcode", "coordinates", "phone", "declared")
PEERS_FAMILY = "range"
_V4_RANGE, _V6_RANGE, _V6_LINE = 24, 48, 64

Shares = dict[str, float]


@runtime_checkable
class Preparing(Protocol):
    """A geolocator that reads the whole operation once before accounts are located."""

    def prepare(self, facts: Sequence[AccountFacts], locators: Sequence[object]) -> None: ...


@lru_cache(maxsize=262_144)
def _prefix(ip: str, v4: int, v6: int) -> str | None:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return None
    bits = v4 if addr.version == 4 else v6
    return str(ipaddress.ip_network(f"{addr}/{bits}", strict=False))


def range_of(ip: str) -> str | None:
    """The range an address is judged with: its /24 (IPv4) or /48 (IPv6)."""
    return _prefix(ip, _V4_RANGE, _V6_RANGE)


def line_of(ip: str) -> str | None:
    """One independent line: the address itself (IPv4) or its /64 (IPv6)."""
    return _prefix(ip, 32, _V6_LINE)


#: UK geographic numbers (01, 02): the only phones that can place a force.
_GEOGRAPHIC = ("+441", "+442")


def declaring_facts(facts: AccountFacts) -> AccountFacts | None:
    """The facts an account's declared place can come from (phones: UK geographic numbers
    only), or ``None`` when it declares nothing that can place a force."""
    phones = tuple(p for p in facts.phones if p.startswith(_GEOGRAPHIC))
    said = (facts.declared_postcode, facts.declared_district, facts.declared_city)
    if not (phones or facts.postcodes or facts.coordinates or any(said)):
        return None
    return replace(facts, phones=phones)


def declared_place(items: Iterable[Evidence]) -> Shares:
    """An account's own declared place: normalised UK force scores of its declaring items."""
    decision = decide(i for i in items if i.source in DECLARING_SOURCES and i.forces)
    if decision.country != UK:
        return {}
    total = sum(decision.force_scores.values())
    return {f: s / total for f, s in decision.force_scores.items()} if total > 0 else {}


@dataclass
class RangeVotes:
    """The peers' votes on one range: line → vote, and their sum."""

    votes: dict[str, Shares] = field(default_factory=dict)
    total: Shares = field(default_factory=dict)

    def add(self, line: str, vote: Shares) -> None:
        self.votes[line] = vote
        for force, share in vote.items():
            self.total[force] = self.total.get(force, 0.0) + share

    def without(self, line: str | None) -> tuple[Shares, int]:
        """The summed votes and the number of lines, leaving ``line`` out."""
        own = self.votes.get(line or "")
        if own is None:
            return self.total, len(self.votes)
        rest = {f: s - own.get(f, 0.0) for f, s in self.total.items()}
        return {f: s for f, s in rest.items() if s > 1e-9}, len(self.votes) - 1


@dataclass(frozen=True)
class Learned:
    """What a range's peers say, for one account: shares, top force and its support."""

    network: str
    shares: tuple[tuple[str, float], ...]
    peers: int
    agreeing: float
    support: float


def learn(summed: Mapping[str, float], peers: int, network: str) -> Learned | None:
    """The learned place of a range from its other lines' summed votes, if they agree."""
    if peers < MIN_PEERS or not summed:
        return None
    top = min(summed, key=lambda f: (-summed[f], f))
    agreeing = summed[top]
    if agreeing / peers < AGREE_SHARE:
        return None
    total = sum(summed.values())
    ranked = sorted(summed.items(), key=lambda kv: (-kv[1], kv[0]))
    shares = tuple((f, round(s / total, 4)) for f, s in ranked if s / total >= 0.01)
    support = (agreeing + 1) / (peers + 2)
    return Learned(network, shares, peers, round(agreeing, 4), round(support, 4))
