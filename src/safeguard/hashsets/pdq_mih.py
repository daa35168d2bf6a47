"""Multi-index hashing over 256-bit PDQ hashes: the numpy kernels behind ``PdqIndex``.

The 256 bits are cut into ``k`` contiguous segments. If two hashes differ in at most ``r``
bits, with ``r = q*k + a`` (``0 <= a < k``), then one of the first ``a + 1`` segments differs
in at most ``q`` bits or one of the others in at most ``q - 1`` (pigeonhole). So probing
each segment's table with every key within that segment radius of the query's key finds
every bank hash within ``r`` (full recall); candidates are then verified exactly.
"""

from __future__ import annotations

import math
from functools import lru_cache
from itertools import combinations

import numpy as np

__all__ = [
    "HASH_BITS",
    "HASH_BYTES",
    "brute_force",
    "build_table",
    "choose_segments",
    "flip_masks",
    "probe",
    "probe_cost",
    "segment_keys",
    "segment_layout",
    "segment_radii",
    "verify",
]

HASH_BYTES = 32
HASH_BITS = 256
_MAX_WIDTH = 30


def choose_segments(n: int) -> int:
    """Segment count so that a segment key has about log2(n) bits (about one hash a key)."""
    width = min(max(round(math.log2(max(n, 2))), 12), 26)
    return max(9, min(round(HASH_BITS / width), 22))


def segment_layout(k: int) -> list[tuple[int, int]]:
    """(first bit, width) of each of ``k`` contiguous segments, wider segments first."""
    base, extra = divmod(HASH_BITS, k)
    layout: list[tuple[int, int]] = []
    start = 0
    for j in range(k):
        width = base + (1 if j < extra else 0)
        layout.append((start, width))
        start += width
    return layout


def segment_radii(k: int, max_distance: int) -> list[int]:
    """Per-segment probe radius that guarantees full recall at ``max_distance`` (-1: skip)."""
    q, a = divmod(max_distance, k)
    return [q if j <= a else q - 1 for j in range(k)]


def segment_keys(hashes: np.ndarray, start: int, width: int) -> np.ndarray:
    """The ``width``-bit integer at bit ``start`` (MSB first) of each (n, 32) uint8 row."""
    first, shift = divmod(start, 8)
    nbytes = (shift + width + 7) // 8
    acc = np.zeros(hashes.shape[0], dtype=np.uint64)
    for b in range(nbytes):
        acc <<= np.uint64(8)
        acc |= hashes[:, first + b].astype(np.uint64)
    acc >>= np.uint64(nbytes * 8 - shift - width)
    acc &= np.uint64((1 << width) - 1)
    return acc.astype(np.uint32)


def build_table(keys: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, perm): rows with key ``x`` are ``perm[offsets[x]:offsets[x + 1]]``."""
    counts = np.bincount(keys, minlength=1 << width)
    offsets = np.zeros((1 << width) + 1, dtype=np.uint32)
    np.cumsum(counts, out=offsets[1:])
    perm = np.argsort(keys, kind="stable").astype(np.uint32)
    return offsets, perm


@lru_cache(maxsize=64)
def flip_masks(width: int, radius: int) -> np.ndarray:
    """Every ``width``-bit mask with at most ``radius`` bits set, as uint32."""
    masks = [0]
    for r in range(1, min(radius, width) + 1):
        masks.extend(sum(1 << b for b in bits) for bits in combinations(range(width), r))
    out = np.array(masks, dtype=np.uint32)
    out.flags.writeable = False
    return out


def probe_cost(n: int, layout: list[tuple[int, int]], radii: list[int]) -> float:
    """Expected table probes plus candidates per query, for random data."""
    cost = 0.0
    for (_, width), radius in zip(layout, radii, strict=True):
        if radius >= 0:
            probes = sum(math.comb(width, r) for r in range(min(radius, width) + 1))
            cost += probes * (1.0 + n / float(1 << width))
    return cost


def verify(
    words: np.ndarray, rows: np.ndarray, qwords: np.ndarray, qrows: np.ndarray, r: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep the (query row, bank row) pairs within ``r`` bits; return them with distances."""
    dist = np.bitwise_count(words[rows] ^ qwords[qrows]).sum(axis=1, dtype=np.int32)
    keep = dist <= r
    return qrows[keep], rows[keep], dist[keep]


def brute_force(
    words: np.ndarray, qwords: np.ndarray, r: int, chunk: int = 1 << 20
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exhaustive search (exact): (query row, bank row, distance) of pairs within ``r``."""
    found_q, found_r, found_d = [], [], []
    for lo in range(0, words.shape[0], chunk):
        block = words[lo : lo + chunk]
        for qi in range(qwords.shape[0]):
            dist = np.bitwise_count(block ^ qwords[qi]).sum(axis=1, dtype=np.int32)
            hit = np.flatnonzero(dist <= r)
            found_q.append(np.full(hit.shape[0], qi, dtype=np.int64))
            found_r.append(hit.astype(np.int64) + lo)
            found_d.append(dist[hit])
    if not found_q:
        return _empty()
    return np.concatenate(found_q), np.concatenate(found_r), np.concatenate(found_d)


def _empty() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int32)


def probe(
    offsets: np.ndarray, perm: np.ndarray, qkeys: np.ndarray, masks: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Candidates of one segment table: (query index, bank row) for each key within a mask."""
    nkeys = (qkeys[:, None] ^ masks[None, :]).ravel()
    lo = offsets[nkeys].astype(np.int64)
    cnt = offsets[nkeys + 1].astype(np.int64) - lo
    hit = np.flatnonzero(cnt)
    lo, cnt = lo[hit], cnt[hit]
    total = int(cnt.sum())
    if total == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    qidx = np.repeat(hit // masks.shape[0], cnt)
    starts = np.cumsum(cnt) - cnt
    pos = np.arange(total, dtype=np.int64) + np.repeat(lo - starts, cnt)
    return qidx, perm[pos].astype(np.int64)
