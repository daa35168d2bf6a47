"""Modifier ``ip-range-peers``: a UK fixed-line range located by its other users' declared
places (the rule is in :mod:`safeguard.attribute.peers` and ``docs/attribution.md``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from safeguard.attribute.combine import UK
from safeguard.attribute.facts import AccountFacts, Evidence, IpUse
from safeguard.attribute.geolocators.maxmind import (
    SHARED_IP_ACCOUNTS,
    MaxMindAnonymous,
    MaxMindCity,
)
from safeguard.attribute.peers import (
    DECLARING_SOURCES,
    PEERS_FAMILY,
    Learned,
    RangeVotes,
    Shares,
    declared_place,
    declaring_facts,
    learn,
    line_of,
    range_of,
)
from safeguard.config import Settings

__all__ = ["RangePeers"]


def _mean(votes: list[Shares]) -> Shares:
    out: Shares = {}
    for vote in votes:
        for force, share in vote.items():
            out[force] = out.get(force, 0.0) + share / len(votes)
    return out


class RangePeers:
    """Adds a ``range`` item per learned UK range an account logged in from.

    :meth:`prepare` reads the whole operation first (the stage calls it before locating):
    every account's declared place and the lines it used; :meth:`apply` then runs per
    account, after ``maxmind-anonymous``, on the account's IP items.
    """

    name = "ip-range-peers"

    def __init__(self) -> None:
        self._ranges: dict[str, RangeVotes] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> RangePeers:
        return cls()

    def prepare(self, facts: Sequence[AccountFacts], locators: Sequence[object]) -> None:
        """Collect each range's votes: one per line, the mean of its accounts' places."""
        city = next((x for x in locators if isinstance(x, MaxMindCity)), None)
        anonymous = next((x for x in locators if isinstance(x, MaxMindAnonymous)), None)
        declaring = [x for x in locators if getattr(x, "name", "") in DECLARING_SOURCES]
        by_line: dict[tuple[str, str], list[Shares]] = {}
        for account in facts if city is not None else ():
            said = declaring_facts(account)
            place = declared_place(self._declared(said, declaring)) if said else {}
            if not place:
                continue
            uses = [(u.ip, u.logins) for u in account.ips if self._eligible(u, city, anonymous)]
            for network, line in self._lines(uses).items():
                by_line.setdefault((network, line), []).append(place)
        self._ranges = {}
        for (network, line), votes in sorted(by_line.items()):
            self._ranges.setdefault(network, RangeVotes()).add(line, _mean(votes))

    @staticmethod
    def _declared(account: AccountFacts, declaring: Sequence[Any]) -> list[Evidence]:
        items: list[Evidence] = []
        for locator in declaring:
            items = locator.apply(account, items)
        return items

    @staticmethod
    def _eligible(use: IpUse, city: MaxMindCity | None, anon: MaxMindAnonymous | None) -> bool:
        if use.accounts > SHARED_IP_ACCOUNTS or (anon is not None and anon.flags(use.ip)):
            return False
        return city is not None and city.country(use.ip) == UK

    @staticmethod
    def _lines(uses: Sequence[tuple[str, int]]) -> dict[str, str]:
        """Range → the line (of ``(ip, logins)`` uses) used most there; ties: the lowest."""
        logins: dict[tuple[str, str], int] = {}
        for ip, count in uses:
            network, line = range_of(ip), line_of(ip)
            if network is not None and line is not None:
                logins[(network, line)] = logins.get((network, line), 0) + count
        best: dict[str, tuple[int, str]] = {}
        for (network, line), count in sorted(logins.items()):
            if network not in best or count > best[network][0]:
                best[network] = (count, line)
        return {network: line for network, (_, line) in best.items()}

    def apply(self, facts: AccountFacts, items: Sequence[Evidence]) -> list[Evidence]:
        own = [i for i in items if _located_ip(i)]
        groups: dict[str, list[Evidence]] = {}
        for item in own:
            network = range_of(str(item.detail["ip"]))
            if network is not None and network in self._ranges:
                groups.setdefault(network, []).append(item)
        lines = self._lines([(str(i.detail["ip"]), i.observations) for i in own])
        out = list(items)
        for network, group in sorted(groups.items()):
            learned = learn(*self._ranges[network].without(lines.get(network)), network)
            if learned is not None:
                out.append(_item(self.name, learned, group))
        return out


def _located_ip(item: Evidence) -> bool:
    """A non-anonymous, unshared UK login address (the kind of item a range can locate)."""
    return (
        item.family == "ip"
        and not item.anonymous
        and item.country == UK
        and item.detail.get("basis") != "shared"
        and bool(item.detail.get("ip"))
    )


def _item(source: str, learned: Learned, group: Sequence[Evidence]) -> Evidence:
    firsts = [i.first for i in group if i.first is not None]
    lasts = [i.last for i in group if i.last is not None]
    return Evidence(
        source=source,
        family=PEERS_FAMILY,
        country=UK,
        detail={
            "network": learned.network,
            "peers": learned.peers,
            "agreeing": learned.agreeing,
            "support": learned.support,
            "logins": sum(i.observations for i in group),
        },
        forces=learned.shares,
        weight=float(sum(i.weight for i in group)),
        strong=True,
        observations=sum(i.observations for i in group),
        first=min(firsts, default=None),
        last=max(lasts, default=None),
    )
