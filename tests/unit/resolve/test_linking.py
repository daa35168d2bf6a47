"""From links and analyst actions to subjects; junk identifiers and big blocks never merge."""

from __future__ import annotations

from safeguard.resolve.facts import AccountFacts, IdentifierGroup, IpWindow, Link
from safeguard.resolve.linking import (
    AnalystAction,
    UnionFind,
    candidate_pairs,
    partition,
    strong_links,
    weak_links,
)

W = IpWindow(0.0, 3600.0)


def _accepted(links: list[Link]) -> list[tuple[int, int]]:
    return [link.key() for link in links if link.accepted]


def test_union_find_groups_transitively() -> None:
    uf = UnionFind(range(1, 7))
    uf.union(1, 2)
    uf.union(3, 2)
    uf.union(5, 6)
    assert uf.groups() == [[1, 2, 3], [4], [5, 6]]


def test_oversized_identifier_group_is_junk_not_a_merge() -> None:
    placeholder = IdentifierGroup("email", "none@none", tuple(range(1, 501)))
    real = IdentifierGroup("phone", "+447700900123", (600, 601))
    links, junk = strong_links([placeholder, real], max_group=20)
    assert junk == [placeholder]
    assert [link.key() for link in links] == [(600, 601)]
    assert partition(range(1, 602), _accepted(links))[0] == [1]


def test_identifier_kinds_without_a_strong_linker_are_ignored() -> None:
    links, junk = strong_links([IdentifierGroup("postcode", "AB1 2CD", (1, 2))], max_group=20)
    assert links == [] and junk == []


def test_weak_pair_links_only_with_corroboration() -> None:
    facts = {
        1: AccountFacts(1, "darkfox", ips={"81.2.69.1": W}),
        2: AccountFacts(2, "darkfox", ips={"81.2.69.1": W}),  # same IP + same username
        3: AccountFacts(3, "bluebird", ips={"81.2.69.1": W}),  # same IP only
    }
    blocks = candidate_pairs(facts.values(), max_block=10)
    assert blocks.pairs == {(1, 2), (1, 3), (2, 3)}
    links = weak_links(facts, blocks.pairs)
    accepted = {link.key() for link in links if link.accepted}
    assert accepted == {(1, 2)}
    considered = {link.key() for link in links}
    assert (1, 3) in considered, "rejected pairs are kept as evidence too"
    ip_link = next(link for link in links if link.key() == (1, 2) and link.linker == "shared-ip")
    assert ip_link.evidence["pair_score"] >= 1.0
    assert ip_link.evidence["with"] == ["shared-ip", "username"]


def test_big_blocks_are_reported_not_paired() -> None:
    facts = [AccountFacts(i, ips={"100.64.0.1": W}) for i in range(30)]
    blocks = candidate_pairs(facts, max_block=10)
    assert blocks.pairs == set()
    assert blocks.oversized == [("ip", "100.64.0.1", 30)]


def test_split_survives_links_and_merge_joins_subjects() -> None:
    links = [(1, 2), (2, 3), (4, 5)]
    assert partition(range(1, 8), links) == [[1, 2, 3], [4, 5], [6], [7]]
    split = AnalystAction(1, "split", (3,))
    merge = AnalystAction(2, "merge", (1, 4))
    assert partition(range(1, 8), links, [split]) == [[1, 2], [3], [4, 5], [6], [7]]
    assert partition(range(1, 8), links, [split, merge]) == [[1, 2, 4, 5], [3], [6], [7]]
    # Accounts that no longer exist are ignored rather than failing the whole run.
    assert partition(range(1, 8), links, [AnalystAction(3, "merge", (99, 6))])[-2:] == [[6], [7]]
