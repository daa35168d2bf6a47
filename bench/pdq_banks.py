"""Banks, queries and the brute-force oracle of ``bench/pdq_index.py``.

Banks are generated with numpy from one seed and cached under ``bench/out/pdq`` (three
``.npy`` files a bank, written whole then renamed), so a 50M bank is generated once and
each benchmark process maps it instead of regenerating it.

- ``random``: uniform random PDQ hashes;
- ``clustered``: half the bank in families of 5-50 near-duplicates (0-12 bits from the
  family's first hash), a fifth derived from 2,000 low-entropy templates (a 16-bit pattern
  tiled, or runs of 0x00/0xFF bytes, with 0-12 bits flipped), the rest random.

Queries: half near-duplicates of bank hashes (0-20 bits flipped), half random.
"""

from __future__ import annotations

from pathlib import Path

import numba
import numpy as np

OUT = Path(__file__).parent / "out" / "pdq"
N_QUERIES = 10_000
SEED = 20240531
N_TEMPLATES = 2_000
_CHUNK = 1 << 22


def flip_bits(rows: np.ndarray, counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``rows`` with up to ``counts[i]`` random bits of row ``i`` flipped."""
    out = rows.copy()
    index = np.arange(rows.shape[0])
    for t in range(int(counts.max(initial=0))):
        active = index[counts > t]
        pos = rng.integers(0, 256, size=(active.shape[0],))
        out[active, pos // 8] ^= (1 << (7 - pos % 8)).astype(np.uint8)
    return out


def _templates(rng: np.random.Generator) -> np.ndarray:
    half = N_TEMPLATES // 2
    tiled = np.tile(rng.integers(0, 256, (half, 2), dtype=np.uint8), 16)
    runs = np.where(rng.random((N_TEMPLATES - half, 32)) < 0.5, 0, 255).astype(np.uint8)
    return np.vstack([tiled, runs])


def _clustered_bank(n: int, rng: np.random.Generator) -> np.ndarray:
    """Half families of 5-50 near-duplicates, a fifth from low-entropy templates, rest random."""
    sizes = rng.integers(5, 51, n // 2 // 5 + 1)
    sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), n // 2)) + 1]
    bases = rng.integers(0, 256, (sizes.size, 32), dtype=np.uint8)
    bank = np.empty((n, 32), dtype=np.uint8)
    half, fifth = n // 2, n // 5
    bank[:half] = np.repeat(bases, sizes, axis=0)[:half]
    templates = _templates(rng)
    bank[half : half + fifth] = templates[rng.integers(0, N_TEMPLATES, fifth)]
    for lo in range(0, half + fifth, _CHUNK):
        hi = min(lo + _CHUNK, half + fifth)
        bank[lo:hi] = flip_bits(bank[lo:hi], rng.integers(0, 13, size=(hi - lo,)), rng)
    bank[half + fifth :] = rng.integers(0, 256, (n - half - fifth, 32), dtype=np.uint8)
    return bank[rng.permutation(n)]


def _generate(kind: str, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(SEED)
    if kind == "random":
        bank = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    else:
        bank = _clustered_bank(n, rng)
    half = N_QUERIES // 2
    source = rng.integers(0, n, half)
    near = flip_bits(bank[source], rng.integers(0, 21, half), rng)
    queries = np.vstack([near, rng.integers(0, 256, (N_QUERIES - half, 32), dtype=np.uint8)])
    planted = np.concatenate([source, np.full(N_QUERIES - half, -1)])
    return bank, queries, planted


def load(kind: str, n: int, *, in_memory: bool = False) -> tuple[np.ndarray, ...]:
    """(bank (n,32) uint8, queries (10k,32) uint8, planted bank row per query or -1).

    Generated once and cached; the bank is memory-mapped unless ``in_memory``.
    """
    folder = OUT / f"{kind}-{n}-{SEED}"
    names = ("bank", "queries", "planted")
    if not (folder / "planted.npy").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        for name, array in zip(names, _generate(kind, n), strict=True):
            tmp = folder / f"{name}.tmp.npy"
            np.save(tmp, array)
            tmp.replace(folder / f"{name}.npy")
    bank = np.load(folder / "bank.npy", mmap_mode=None if in_memory else "r")
    return bank, np.load(folder / "queries.npy"), np.load(folder / "planted.npy")


@numba.njit(cache=True)
def _popcount64(x: np.uint64) -> np.uint64:
    """Bits set in ``x`` (the classic SWAR sum: no lookup, no intrinsic)."""
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)


@numba.njit(cache=True)
def _scan(words: np.ndarray, qwords: np.ndarray, radius: int, out: np.ndarray) -> int:
    """Every (query, bank row) within ``radius`` by comparing each query with each row."""
    count = 0
    for row in range(words.shape[0]):
        for q in range(qwords.shape[0]):
            d = np.uint64(0)
            for w in range(4):
                d += _popcount64(words[row, w] ^ qwords[q, w])
            if d <= radius:
                if count < out.shape[0]:
                    out[count, 0], out[count, 1] = q, row
                count += 1
    return count


def brute_pairs(bank: np.ndarray, queries: np.ndarray, radius: int) -> np.ndarray:
    """(query row, bank row) of every pair within ``radius``, by exhaustive scan."""
    qwords = np.ascontiguousarray(queries).view(np.uint64)
    found = []
    for lo in range(0, bank.shape[0], _CHUNK):
        words = np.ascontiguousarray(bank[lo : lo + _CHUNK]).view(np.uint64)
        out = np.empty((1 << 16, 2), dtype=np.int64)
        count = _scan(words, qwords, radius, out)
        if count > out.shape[0]:
            out = np.empty((count, 2), dtype=np.int64)
            _scan(words, qwords, radius, out)
        found.append(out[:count] + np.array([0, lo]))
    return np.concatenate(found)
