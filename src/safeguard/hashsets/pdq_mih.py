"""Multi-index hashing over 256-bit PDQ hashes: the layout and tables behind ``PdqIndex``.

The 256 bits are cut into ``k`` contiguous segments. If two hashes differ in at most ``r``
bits, with ``r = q*k + a`` (``0 <= a < k``), then one of the first ``a + 1`` segments differs
in at most ``q`` bits or one of the others in at most ``q - 1`` (pigeonhole). So probing
each segment's table with every key within that segment radius of the query's key finds
every bank hash within ``r`` (full recall); candidates are then verified exactly (the
search loop itself is compiled: :mod:`safeguard.hashsets.pdq_kernel`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import numpy as np

__all__ = [
    "BIT_ORDER",
    "HASH_BITS",
    "HASH_BYTES",
    "MIN_SEGMENTS",
    "Tables",
    "brute_force",
    "build_tables",
    "choose_segments",
    "flip_masks",
    "popcount_rows",
    "probe_cost",
    "scan_cost",
    "segment_keys",
    "segment_layout",
    "segment_radii",
    "to_bytes",
    "to_words",
]

HASH_BYTES = 32
HASH_BITS = 256
#: uint32 words of pre-filter kept per hash per table (96 bits).
FILT_WORDS = 3


#: Fewest segments allowed (a segment of 26 bits has a 256 MiB offsets table).
MIN_SEGMENTS = 10
#: The radius a default layout is chosen for (PDQ's usual match threshold).
DEFAULT_RADIUS = 31
#: Cost of reaching a bucket (a cache miss), in bucket entries scanned: measured, about
#: 200 ns a bucket against 2.5 ns an entry (1M and 10M banks, one thread, shared machine).
PROBE_COST = 80.0


def choose_segments(n: int, max_distance: int = DEFAULT_RADIUS) -> int:
    """The segment count with the cheapest expected search at ``max_distance`` for ``n``."""
    costs = {
        k: probe_cost(n, segment_layout(k), segment_radii(k, max_distance))
        for k in range(MIN_SEGMENTS, HASH_BITS // 8 + 1)
    }
    return min(costs, key=lambda k: (costs[k], k))


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


def segment_keys(words: np.ndarray, start: int, width: int) -> np.ndarray:
    """The ``width``-bit integer at bit ``start`` of each big-endian (n, 4) uint64 row."""
    word, off = divmod(start, 64)
    keys = (words[:, word] << np.uint64(off)) >> np.uint64(64 - width)
    if off + width > 64:
        keys |= words[:, word + 1] >> np.uint64(128 - off - width)
    return keys.astype(np.uint32)


#: The fixed order in which hash bits are laid into segments: a shuffle, so that hashes
#: with structure (low-entropy images: runs of equal bytes, tiled patterns) still spread
#: over many keys. Hamming distance and the pigeonhole bound do not depend on the order.
BIT_ORDER = np.random.default_rng(0x5D9).permutation(HASH_BITS)
_CHUNK = 1 << 20


def _byte_tables() -> np.ndarray:
    """(32, 256, 4) uint64: the words each value of each hash byte contributes to
    :func:`to_words` (its bits moved to their places in :data:`BIT_ORDER`)."""
    place = np.argsort(BIT_ORDER)  # place[p]: where hash bit p goes
    tables = np.zeros((HASH_BYTES, 256, HASH_BYTES // 8), dtype=np.uint64)
    values = np.arange(256)
    for p in range(HASH_BITS):
        byte, bit = divmod(p, 8)
        word, shift = divmod(int(place[p]), 64)
        has_bit = (values >> (7 - bit)) & 1 == 1
        tables[byte, has_bit, word] |= np.uint64(1) << np.uint64(63 - shift)
    return tables


_BYTE_TABLES = _byte_tables()


def to_words(hashes: np.ndarray) -> np.ndarray:
    """(n, 32) uint8 hashes as (n, 4) uint64 words, bits in :data:`BIT_ORDER`, read
    big-endian (bit ``i`` of the result is bit ``BIT_ORDER[i]`` of the hash, MSB first).

    Built byte by byte: each byte's value selects, from a table, the words its 8 bits
    make once moved to their places, and the 32 selections are OR-ed together.
    """
    out = np.empty((hashes.shape[0], HASH_BYTES // 8), dtype=np.uint64)
    for lo in range(0, hashes.shape[0], _CHUNK):
        block = np.asarray(hashes[lo : lo + _CHUNK])
        acc = _BYTE_TABLES[0][block[:, 0]]
        for byte in range(1, HASH_BYTES):
            acc |= _BYTE_TABLES[byte][block[:, byte]]
        out[lo : lo + _CHUNK] = acc
    return out


def to_bytes(words: np.ndarray) -> np.ndarray:
    """The inverse of :func:`to_words`."""
    out = np.empty((words.shape[0], HASH_BYTES), dtype=np.uint8)
    for lo in range(0, words.shape[0], _CHUNK):
        shuffled = np.unpackbits(words[lo : lo + _CHUNK].astype(">u8").view(np.uint8), axis=1)
        bits = np.empty_like(shuffled)
        bits[:, BIT_ORDER] = shuffled
        out[lo : lo + _CHUNK] = np.packbits(bits, axis=1)
    return out


@dataclass(frozen=True)
class Tables:
    """The direct-address tables of every segment, held in flat arrays.

    Table ``j`` covers bits ``layout[j]``. Rows whose key is ``x`` in table ``j`` are
    ``perm[j*n + offsets[obase[j] + x] : j*n + offsets[obase[j] + x + 1]]``. ``filt`` holds,
    in the same order, 96 bits of each hash from the 128-bit half not containing the
    segment (word ``filt_word[j]`` and the high half of the next word, as three uint32): an
    exact pre-filter (a lower bound on the distance) read from the same place as the
    bucket, so most candidates never touch the bank. 96 bits rather than all 128 save 4
    bytes a hash a table; a random candidate still passes only with probability ~4e-4.
    """

    layout: list[tuple[int, int]]
    offsets: np.ndarray
    obase: np.ndarray
    perm: np.ndarray
    filt: np.ndarray

    def filt_word(self, j: int) -> int:
        """First word of segment ``j``'s pre-filter half."""
        return 0 if self.layout[j][0] >= HASH_BITS // 2 else 2

    def disjoint(self, j: int) -> bool:
        """Whether segment ``j`` lies wholly outside its pre-filter half."""
        start, width = self.layout[j]
        return start >= HASH_BITS // 2 or start + width <= HASH_BITS // 2


def build_tables(
    words: np.ndarray, layout: list[tuple[int, int]], perms: list[np.ndarray] | None = None
) -> Tables:
    """Index big-endian ``words`` on every segment of ``layout`` (``perms`` when loading)."""
    n = words.shape[0]
    sizes = [(1 << w) + 1 for _, w in layout]
    obase = np.zeros(len(layout), dtype=np.int64)
    np.cumsum(sizes[:-1], out=obase[1:])
    offsets = np.zeros(sum(sizes), dtype=np.uint32)
    perm = np.empty(len(layout) * n, dtype=np.uint32)
    filt = np.empty((len(layout) * n, FILT_WORDS), dtype=np.uint32)
    tables = Tables(layout, offsets, obase, perm, filt)
    for j, (start, width) in enumerate(layout):
        keys = segment_keys(words, start, width)
        base = int(obase[j])
        np.cumsum(np.bincount(keys, minlength=1 << width), out=offsets[base + 1 : base + sizes[j]])
        rows, fw = slice(j * n, (j + 1) * n), tables.filt_word(j)
        if perms is None:
            _sort_into_buckets(
                keys, words, fw, offsets[base : base + sizes[j]], perm[rows], filt[rows]
            )
        else:
            perm[rows] = perms[j]
            _fill_filter(filt[rows], words, fw, perms[j])
    return tables


def _sort_into_buckets(  # noqa: PLR0917
    keys: np.ndarray,
    words: np.ndarray,
    fw: int,
    offsets: np.ndarray,
    perm: np.ndarray,
    filt: np.ndarray,
) -> None:
    """Rows in key order (ascending within a key: a stable counting sort) into ``perm``,
    and their pre-filter words beside them into ``filt`` (compiled)."""
    from safeguard.hashsets import pdq_kernel  # numba: loaded only when a table is built

    pdq_kernel.sort_into_buckets(keys, words, fw, offsets, perm, filt)


def _fill_filter(out: np.ndarray, words: np.ndarray, fw: int, order: np.ndarray) -> None:
    """Word ``fw`` and the high 32 bits of word ``fw + 1`` of rows ``order``, as uint32."""
    low32 = np.uint64(0xFFFFFFFF)
    for lo in range(0, order.shape[0], _CHUNK):
        rows = order[lo : lo + _CHUNK]
        first, second = words[rows, fw], words[rows, fw + 1]
        out[lo : lo + _CHUNK, 0] = first >> np.uint64(32)
        out[lo : lo + _CHUNK, 1] = first & low32
        out[lo : lo + _CHUNK, 2] = second >> np.uint64(32)


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
    """Expected cost of one query on random data: buckets reached plus entries scanned."""
    cost = 0.0
    for (_, width), radius in zip(layout, radii, strict=True):
        if radius >= 0:
            probes = sum(math.comb(width, r) for r in range(min(radius, width) + 1))
            cost += probes * (PROBE_COST + n / float(1 << width))
    return cost


def scan_cost(n: int) -> float:
    """Cost of one query by exhaustive scan, in the units of :func:`probe_cost`."""
    return 4.0 * n


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
