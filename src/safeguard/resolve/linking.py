"""Running the linkers over plain data, and turning links plus analyst actions into subjects."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from safeguard.resolve.facts import AccountFacts, IdentifierGroup, Link
from safeguard.resolve.linkers import (
    STRONG_LINKERS,
    WEAK_LINKERS,
    WEAK_THRESHOLD,
    IdentifierLinker,
    WeakLinker,
)

__all__ = [
    "AnalystAction",
    "Blocks",
    "UnionFind",
    "candidate_pairs",
    "partition",
    "strong_links",
    "weak_links",
]


class UnionFind:
    """Disjoint sets over arbitrary integer ids (path halving, union by size)."""

    def __init__(self, ids: Iterable[int] = ()) -> None:
        self._parent: dict[int, int] = {i: i for i in ids}
        self._size: dict[int, int] = dict.fromkeys(self._parent, 1)

    def find(self, x: int) -> int:
        parent = self._parent
        if x not in parent:
            parent[x] = x
            self._size[x] = 1
            return x
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self._size[ra] < self._size[rb]:
            ra, rb = rb, ra
        self._parent[rb] = ra
        self._size[ra] += self._size[rb]

    def groups(self) -> list[list[int]]:
        """Every set as a sorted list, the sets ordered by their smallest id."""
        out: dict[int, list[int]] = defaultdict(list)
        for x in sorted(self._parent):
            out[self.find(x)].append(x)
        return sorted(out.values(), key=lambda g: g[0])


def strong_links(
    groups: Iterable[IdentifierGroup],
    max_group: int,
    linkers: Sequence[IdentifierLinker] = STRONG_LINKERS,
) -> tuple[list[Link], list[IdentifierGroup]]:
    """Links from identifier groups; groups over ``max_group`` accounts are returned as junk."""
    by_kind = {linker.kind: linker for linker in linkers}
    links: list[Link] = []
    junk: list[IdentifierGroup] = []
    for group in groups:
        linker = by_kind.get(group.kind)
        if linker is None or len(set(group.account_ids)) < 2:
            continue
        if len(set(group.account_ids)) > max_group:
            junk.append(group)
            continue
        links.extend(linker.links(group))
    return links, junk


@dataclass
class Blocks:
    """Candidate pairs for weak scoring, and the blocks too big to pair up."""

    pairs: set[tuple[int, int]] = field(default_factory=set)
    oversized: list[tuple[str, str, int]] = field(default_factory=list)


def _block_keys(f: AccountFacts) -> Iterable[tuple[str, str]]:
    for ip in f.ips:
        yield ("ip", ip)
    if f.postcode:
        for name in f.names:
            yield ("postcode-name", f"{f.postcode}|{name}")


def candidate_pairs(facts: Iterable[AccountFacts], max_block: int) -> Blocks:
    """Pairs of accounts sharing an IP, or a postcode and a name (blocks capped in size)."""
    blocks: dict[tuple[str, str], list[int]] = defaultdict(list)
    for f in facts:
        for key in _block_keys(f):
            blocks[key].append(f.account_id)
    out = Blocks()
    for (kind, value), members in blocks.items():
        if len(members) > max_block:
            out.oversized.append((kind, value, len(members)))
            continue
        out.pairs.update(combinations(sorted(set(members)), 2))
    return out


def weak_links(
    facts: Mapping[int, AccountFacts],
    pairs: Iterable[tuple[int, int]],
    linkers: Sequence[WeakLinker] = WEAK_LINKERS,
    threshold: float = WEAK_THRESHOLD,
) -> list[Link]:
    """One link per (pair, linker that scored it); accepted when the pair's total reaches
    ``threshold``."""
    out: list[Link] = []
    for a, b in sorted(pairs):
        fa, fb = facts[a], facts[b]
        scored = [(linker.name, linker.score(fa, fb)) for linker in linkers]
        hits = [(name, s) for name, s in scored if s is not None]
        if not hits:
            continue
        total = round(sum(s[0] for _, s in hits), 6)
        accepted = total >= threshold
        together = sorted(name for name, _ in hits)
        for name, (value, evidence) in hits:
            doc = {**evidence, "pair_score": total, "threshold": threshold, "with": together}
            out.append(Link(a, b, name, "weak", value, accepted, doc))
    return out


@dataclass(frozen=True)
class AnalystAction:
    """A recorded split (``account_ids`` leave their subject together) or merge."""

    action_id: int
    kind: str
    account_ids: tuple[int, ...]


def _apply(groups: dict[int, set[int]], where: dict[int, int], action: AnalystAction) -> None:
    accounts = [a for a in action.account_ids if a in where]
    if not accounts:
        return
    if action.kind == "merge":
        keep, *rest = sorted({where[a] for a in accounts})
        for gid in rest:
            members = groups.pop(gid)
            for a in members:
                where[a] = keep
            groups[keep] |= members
        return
    new_gid = max(groups) + 1
    for a in accounts:
        groups[where[a]].discard(a)
        where[a] = new_gid
    groups[new_gid] = set(accounts)
    for gid in [g for g, members in groups.items() if not members]:
        del groups[gid]


def partition(
    account_ids: Iterable[int],
    pairs: Iterable[tuple[int, int]],
    actions: Sequence[AnalystAction] = (),
) -> list[list[int]]:
    """Subjects: components of the accepted link ``pairs``, then each action applied in order."""
    uf = UnionFind(account_ids)
    for a, b in pairs:
        uf.union(a, b)
    comps = uf.groups()
    groups = {i: set(c) for i, c in enumerate(comps)}
    where = {a: i for i, c in enumerate(comps) for a in c}
    for action in actions:
        if groups:
            _apply(groups, where, action)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])
