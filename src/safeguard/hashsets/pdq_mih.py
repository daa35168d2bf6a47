"""Multi-index hashing over 256-bit PDQ hashes: the numpy kernels behind ``PdqIndex``.

The 256 bits are cut into ``k`` contiguous segments. If two hashes differ in at most ``r``
bits, with ``r = q*k + a`` (``0 <= a < k``), then one of the first ``a + 1`` segments differs
in at most ``q`` bits or one of the others in at most ``q - 1`` (pigeonhole). So probing
each segment's table with every key within that segment radius of the query's key finds
every bank hash within ``r`` (full recall); candidates are then verified exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import numpy as np

__all__ = [
    "HASH_BITS",
    "HASH_BYTES",
    "SegmentTable",
    "brute_force",
    "build_table",
    "choose_segments",
    "flip_masks",
    "popcount_rows",
    "probe",
    "probe_cost",
    "segment_keys",
    "segment_layout",
    "segment_radii",
    "verify",
]

HASH_BYTES = 32
HASH_BITS = 256


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


@dataclass(frozen=True)
class SegmentTable:
    """Direct-address table of one segment.

    Rows whose segment key is ``x`` are ``perm[offsets[x]:offsets[x + 1]]``. ``filt`` holds,
    in the same order, the 128 bits of each hash in the half (words ``filt_word`` and
    ``filt_word + 1``) that does not contain the segment: a cheap exact pre-filter read from
    the same place as the bucket, so most candidates never touch the bank.
    """

    start: int
    width: int
    offsets: np.ndarray
    perm: np.ndarray
    filt: np.ndarray
    filt_word: int


def build_table(
    hashes: np.ndarray, start: int, width: int, perm: np.ndarray | None = None
) -> SegmentTable:
    """Index ``hashes`` ((n, 32) uint8) on one segment (``perm`` given when loading)."""
    keys = segment_keys(hashes, start, width)
    counts = np.bincount(keys, minlength=1 << width)
    offsets = np.zeros((1 << width) + 1, dtype=np.uint32)
    np.cumsum(counts, out=offsets[1:])
    if perm is None:
        perm = np.argsort(keys).astype(np.uint32)
    filt_word = 0 if start >= HASH_BITS // 2 else 2
    words = hashes.view(np.uint64)[:, filt_word : filt_word + 2]
    filt = np.take(words, perm, axis=0)
    return SegmentTable(start, width, offsets, perm, filt, filt_word)


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


def brute_force(
    words: np.ndarray, qwords: np.ndarray, r: int, chunk: int = 1 << 20
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exhaustive search (exact): (query row, bank row, distance) of pairs within ``r``."""
    found_q, found_r, found_d = [], [], []
    for lo in range(0, words.shape[0], chunk):
        block = words[lo : lo + chunk]
        for qi in range(qwords.shape[0]):
            dist = popcount_rows(block ^ qwords[qi])
            hit = np.flatnonzero(dist <= r)
            found_q.append(np.full(hit.shape[0], qi, dtype=np.int64))
            found_r.append(hit.astype(np.int64) + lo)
            found_d.append(dist[hit])
    if not found_q:
        return _empty()
    return np.concatenate(found_q), np.concatenate(found_r), np.concatenate(found_d)


def popcount_rows(xor: np.ndarray) -> np.ndarray:
    """Bits set in each row of an (m, 4) uint64 array, as int32 (column adds, no reduction)."""
    bits = np.bitwise_count(xor)
    total: np.ndarray = bits[:, 0].astype(np.int32) + bits[:, 1]
    total += bits[:, 2]
    total += bits[:, 3]
    return total


def _empty() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int32)


def probe(
    table: SegmentTable, words: np.ndarray, qwords: np.ndarray, masks: np.ndarray, r: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bank rows within ``r`` of each query found through one segment table.

    Returns (query index, bank row, distance); exact, though a pair may also be found
    through another segment.
    """
    qkeys = segment_keys(qwords.view(np.uint8), table.start, table.width)
    nkeys = (qkeys[:, None] ^ masks[None, :]).ravel()
    lo = np.take(table.offsets, nkeys)
    cnt = np.take(table.offsets, nkeys + 1) - lo
    hit = np.flatnonzero(cnt)
    if hit.size == 0:
        return _empty()
    lo, cnt = np.take(lo, hit).astype(np.int64), np.take(cnt, hit).astype(np.int64)
    total = int(cnt.sum(dtype=np.int64))
    qidx = np.repeat(hit // masks.shape[0], cnt)
    pos = np.arange(total, dtype=np.int64) + np.repeat(lo - (np.cumsum(cnt) - cnt), cnt)
    qfilt = qwords[:, table.filt_word : table.filt_word + 2]
    bits = np.bitwise_count(np.take(table.filt, pos, axis=0) ^ np.take(qfilt, qidx, axis=0))
    keep = np.flatnonzero(bits[:, 0] + bits[:, 1] <= r)
    qidx = np.take(qidx, keep)
    rows = np.take(table.perm, np.take(pos, keep)).astype(np.int64)
    return verify(words, rows, qwords, qidx, r)


def verify(
    words: np.ndarray, rows: np.ndarray, qwords: np.ndarray, qidx: np.ndarray, r: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep the (query index, bank row) pairs within ``r`` bits, with their distances."""
    dist = popcount_rows(np.take(words, rows, axis=0) ^ np.take(qwords, qidx, axis=0))
    keep = np.flatnonzero(dist <= r)
    return np.take(qidx, keep).astype(np.int64), np.take(rows, keep), np.take(dist, keep)
