"""The sharing network of subjects, computed with numpy from plain arrays.

Nodes are subjects; an edge joins two subjects when one's account sent a file to the other's
(a ``share``/``upload`` event with a counterpart is sent by the account, a ``download`` is
received by it). Transfers between accounts of one subject are not edges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "DISTRIBUTOR_MIN_SENT",
    "DISTRIBUTOR_OUT_SHARE",
    "HUB_MIN_DEGREE",
    "HUB_QUANTILE",
    "NetworkMetrics",
    "Transfers",
    "label_propagation",
    "network_metrics",
]

IntArray = NDArray[np.int64]

#: A distributor sent at least this many files ...
DISTRIBUTOR_MIN_SENT = 10
#: ... and at least this share of its transfers were sent rather than received.
DISTRIBUTOR_OUT_SHARE = 0.75
#: A hub has at least this many distinct counterpart subjects ...
HUB_MIN_DEGREE = 10
#: ... and a degree in the top 1% of connected subjects.
HUB_QUANTILE = 0.99


@dataclass(frozen=True)
class Transfers:
    """Account-level transfers already mapped to subject indexes (0..n-1).

    ``counterpart_account`` is the other party's account id, for counting distinct
    counterparts; ``count`` is how many file events the row stands for.
    """

    sender: IntArray
    receiver: IntArray
    owner: IntArray
    counterpart_account: IntArray
    count: IntArray


@dataclass(frozen=True)
class NetworkMetrics:
    degree: IntArray
    counterparts: IntArray
    sent: IntArray
    received: IntArray
    community: IntArray  # -1 for a subject with no edge
    edges: int

    def roles(self, i: int, first_uploads: int, hub_degree: int) -> list[str]:
        """Role hints of subject ``i`` (the figures behind them are in the same row)."""
        out: list[str] = []
        sent, received = int(self.sent[i]), int(self.received[i])
        if sent >= DISTRIBUTOR_MIN_SENT and sent >= DISTRIBUTOR_OUT_SHARE * (sent + received):
            out.append("distributor")
        if int(self.degree[i]) >= hub_degree:
            out.append("hub")
        if first_uploads > 0:
            out.append("first-uploader")
        return out

    def hub_threshold(self) -> int:
        connected = self.degree[self.degree > 0]
        if connected.size == 0:
            return HUB_MIN_DEGREE
        return max(HUB_MIN_DEGREE, int(np.ceil(np.quantile(connected, HUB_QUANTILE))))


def _distinct_firsts(a: IntArray, b: IntArray) -> IntArray:
    """``a`` of each distinct (a, b) pair."""
    if a.size == 0:
        return a
    span = int(b.max()) + 1
    return np.unique(a * span + b) // span


def label_propagation(n: int, u: IntArray, v: IntArray, w: IntArray, rounds: int = 30) -> IntArray:
    """Communities by weighted label propagation; deterministic (ties go to the lower label).

    Semi-synchronous: even and odd nodes take turns, which stops the flip-flopping of fully
    synchronous updates on stars and bipartite parts of the graph. Each node also keeps a
    little of its own label's weight.
    """
    labels = np.arange(n, dtype=np.int64)
    if u.size == 0:
        return labels
    src = np.concatenate([u, v, np.arange(n)])
    dst = np.concatenate([v, u, np.arange(n)])
    weight = np.concatenate([w, w, np.full(n, 0.5)]).astype(np.float64)
    parity = np.arange(n) % 2
    quiet = 0
    for step in range(rounds):
        keys = src * n + labels[dst]
        uniq, inverse = np.unique(keys, return_inverse=True)
        sums = np.bincount(inverse, weights=weight)
        node, label = uniq // n, uniq % n  # sorted by node, then label
        starts = np.flatnonzero(np.r_[True, node[1:] != node[:-1]])
        best = np.repeat(np.maximum.reduceat(sums, starts), np.diff(np.r_[starts, node.size]))
        top = np.flatnonzero(sums >= best)  # ties: the lowest label comes first
        first = top[np.r_[True, node[top][1:] != node[top][:-1]]]
        turn = first[parity[node[first]] == step % 2]
        changed = bool(np.any(labels[node[turn]] != label[turn]))
        labels[node[turn]] = label[turn]
        quiet = 0 if changed else quiet + 1
        if quiet >= 2:
            break
    return labels


def _communities(n: int, su: IntArray, sv: IntArray, sw: IntArray) -> IntArray:
    raw = label_propagation(n, su, sv, sw)
    connected = np.zeros(n, dtype=bool)
    connected[su] = True
    connected[sv] = True
    out = np.full(n, -1, dtype=np.int64)
    if not connected.any():
        return out
    labels, counts = np.unique(raw[connected], return_counts=True)
    order = np.lexsort((labels, -counts))  # biggest community first, then lowest label
    renumber = np.empty(int(raw.max()) + 1, dtype=np.int64)
    renumber[labels[order]] = np.arange(1, labels.size + 1)
    out[connected] = renumber[raw[connected]]
    return out


def network_metrics(n: int, t: Transfers) -> NetworkMetrics:
    """Degree, distinct counterparts, sent/received and community of ``n`` subjects."""
    between = t.sender != t.receiver
    snd, rcv, cnt = t.sender[between], t.receiver[between], t.count[between]
    sent = np.bincount(snd, weights=cnt, minlength=n).astype(np.int64)
    received = np.bincount(rcv, weights=cnt, minlength=n).astype(np.int64)
    lo, hi = np.minimum(snd, rcv), np.maximum(snd, rcv)
    keys, inverse = np.unique(lo * n + hi, return_inverse=True)
    weights = np.bincount(inverse, weights=cnt).astype(np.int64)
    su, sv = keys // n, keys % n
    degree = (np.bincount(su, minlength=n) + np.bincount(sv, minlength=n)).astype(np.int64)
    owner = _distinct_firsts(t.owner[between], t.counterpart_account[between])
    counterparts = np.bincount(owner, minlength=n).astype(np.int64)
    community = _communities(n, su, sv, weights)
    return NetworkMetrics(degree, counterparts, sent, received, community, int(keys.size))
