"""Network figures per subject: degree, counterparts, direction, communities, role hints."""

from __future__ import annotations

import numpy as np

from safeguard.resolve.network import Transfers, label_propagation, network_metrics


def _transfers(rows: list[tuple[int, int, int, int, int]]) -> Transfers:
    """rows: (sender subject, receiver subject, owner subject, counterpart account, count)."""
    cols = list(zip(*rows, strict=True)) if rows else [(), (), (), (), ()]
    arr = [np.array(c, dtype=np.int64) for c in cols]
    return Transfers(*arr)


def test_direction_degree_and_counterparts() -> None:
    # Subject 0 shares to 1 (twice, two events) and 2; subject 1 downloads from 0.
    t = _transfers(
        [
            (0, 1, 0, 101, 2),
            (0, 2, 0, 102, 1),
            (0, 1, 1, 100, 1),
            (3, 3, 3, 103, 5),  # between two accounts of one subject: not an edge
        ]
    )
    m = network_metrics(4, t)
    assert m.sent.tolist() == [4, 0, 0, 0]
    assert m.received.tolist() == [0, 3, 1, 0]
    assert m.degree.tolist() == [2, 1, 1, 0]
    assert m.counterparts.tolist() == [2, 1, 0, 0]
    assert m.edges == 2
    assert m.community[3] == -1


def test_two_cliques_joined_by_one_edge_are_two_communities() -> None:
    a = [(i, j) for i in range(5) for j in range(i + 1, 5)]
    b = [(i + 5, j + 5) for i, j in a]
    pairs = [*a, *b, (4, 5)]
    u = np.array([p[0] for p in pairs], dtype=np.int64)
    v = np.array([p[1] for p in pairs], dtype=np.int64)
    labels = label_propagation(10, u, v, np.ones(len(pairs), dtype=np.int64))
    assert len(set(labels[:5].tolist())) == 1
    assert len(set(labels[5:].tolist())) == 1
    assert labels[0] != labels[9]


def test_roles_from_figures() -> None:
    # Subject 0 sends 20 files to 12 different subjects; subject 13 only receives.
    rows = [(0, 1 + i % 12, 0, 1000 + i, 1) for i in range(20)]
    rows += [(0, 13, 13, 1, 3)]
    m = network_metrics(14, _transfers(rows))
    hub = m.hub_threshold()
    assert m.roles(0, first_uploads=0, hub_degree=hub) == ["distributor", "hub"]
    assert m.roles(13, first_uploads=2, hub_degree=hub) == ["first-uploader"]
    assert m.community[0] == 1, "the biggest community is numbered 1"


def test_empty_network() -> None:
    m = network_metrics(3, _transfers([]))
    assert m.degree.tolist() == [0, 0, 0]
    assert m.community.tolist() == [-1, -1, -1]
