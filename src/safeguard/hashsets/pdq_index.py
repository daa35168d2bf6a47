"""An exact (full-recall) index of PDQ hashes for Hamming-radius queries.

``PdqIndex`` answers "every bank hash within ``max_distance`` bits of each query" exactly as
brute force would, using multi-index hashing (:mod:`safeguard.hashsets.pdq_mih`): one
direct-address table per hash segment, probed with every key near the query's, and
candidates verified with a vectorised popcount. When the radius is so large that probing
would cost more than scanning, it scans.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from safeguard.errors import FormatError, HashSetError
from safeguard.hashsets import pdq_mih as mih

__all__ = ["PdqIndex", "pdq_hex_to_array"]

_FORMAT_VERSION = 3
_QUERIES_PER_BATCH = 2048
_NO_MASKS = np.empty(0, dtype=np.uint32)


def pdq_hex_to_array(hexes: Sequence[str]) -> np.ndarray:
    """Parse PDQ hashes (64 hex digits each, any case) into an (n, 32) uint8 array.

    Raises :class:`~safeguard.errors.FormatError` naming the first bad hash.
    """
    hexes = list(hexes)
    if not hexes:
        return np.empty((0, mih.HASH_BYTES), dtype=np.uint8)
    try:
        if any(len(h) != 64 for h in hexes):
            raise ValueError
        raw = bytes.fromhex("".join(hexes))
    except (ValueError, TypeError):
        _raise_bad_hex(hexes)
    return np.frombuffer(raw, dtype=np.uint8).reshape(len(hexes), mih.HASH_BYTES).copy()


def _raise_bad_hex(hexes: list[str]) -> None:
    for i, h in enumerate(hexes):
        try:
            if not isinstance(h, str) or len(h) != 64:
                raise ValueError
            bytes.fromhex(h)
        except ValueError:
            raise FormatError(f"PDQ hash #{i} is not 64 hex digits: {str(h)[:80]!r}") from None
    raise FormatError("PDQ hashes could not be parsed")


def _as_hash_array(hashes: np.ndarray, what: str) -> np.ndarray:
    arr = np.asarray(hashes)
    if arr.dtype != np.uint8 or arr.ndim != 2 or arr.shape[1] != mih.HASH_BYTES:
        raise HashSetError(f"{what} must be an (n, 32) uint8 array, got {arr.dtype} {arr.shape}")
    return np.ascontiguousarray(arr)


class PdqIndex:
    """Bank of PDQ hashes with int64 ids; exact Hamming-radius search."""

    def __init__(self, words: np.ndarray, ids: np.ndarray, tables: mih.Tables) -> None:
        self._words = words
        self._ids = ids
        self._tables = tables
        self._layout = tables.layout

    @classmethod
    def build(cls, hashes: np.ndarray, ids: np.ndarray, *, segments: int | None = None) -> PdqIndex:
        """Index ``hashes`` ((n, 32) uint8) under ``ids`` ((n,) int64, any values).

        ``segments`` overrides the number of hash segments (default: the cheapest layout
        for radius 31 at this bank size, :func:`~safeguard.hashsets.pdq_mih.choose_segments`).
        """
        bank = _as_hash_array(hashes, "hashes")
        id_arr = np.ascontiguousarray(np.asarray(ids, dtype=np.int64))
        if id_arr.shape != (bank.shape[0],):
            raise HashSetError(f"ids must have shape ({bank.shape[0]},), got {id_arr.shape}")
        if bank.shape[0] >= 1 << 32:
            raise HashSetError("a PDQ index holds fewer than 2**32 hashes; split the bank")
        k = segments if segments is not None else mih.choose_segments(bank.shape[0])
        if not mih.MIN_SEGMENTS <= k <= mih.HASH_BITS // 8:
            raise HashSetError(f"segments must be between {mih.MIN_SEGMENTS} and 32, got {k}")
        words = mih.to_words(bank)
        return cls(words, id_arr, mih.build_tables(words, mih.segment_layout(k)))

    def __len__(self) -> int:
        return int(self._words.shape[0])

    @property
    def nbytes(self) -> int:
        """Bytes held by the index's arrays (hashes, ids, tables, pre-filters)."""
        t = self._tables
        arrays = (self._words, self._ids, t.offsets, t.obase, t.perm, t.filt)
        return int(sum(a.nbytes for a in arrays))

    @property
    def segments(self) -> int:
        """Number of hash segments (one table each)."""
        return len(self._layout)

    def query_many(
        self, queries: np.ndarray, max_distance: int, *, workers: int | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every (query row, bank id, distance) with distance <= ``max_distance``.

        Full recall: the same pairs brute force finds. Sorted by query row, then distance,
        then id; ``query_row`` and ``id`` are int64, ``distance`` int32. Batches of queries
        run on ``workers`` threads (default: the CPU count, at most 4).
        """
        qs = _as_hash_array(queries, "queries")
        if not 0 <= max_distance <= mih.HASH_BITS:
            raise HashSetError(f"max_distance must be within 0..256, got {max_distance}")
        if len(self) == 0 or qs.shape[0] == 0:
            return _empty()
        qwords = mih.to_words(qs)
        radii = mih.segment_radii(len(self._layout), max_distance)
        if mih.probe_cost(len(self), self._layout, radii) >= mih.scan_cost(len(self)):
            return self._finish(*mih.brute_force(self._words, qwords, max_distance))
        nthreads = max(1, min(workers or os.cpu_count() or 1, 4))
        return self._finish(*self._search_threaded(qwords, radii, max_distance, nthreads))

    def _search_threaded(
        self, qwords: np.ndarray, radii: list[int], r: int, nthreads: int
    ) -> tuple[np.ndarray, ...]:
        t = self._tables
        layout = np.array(
            [
                (s, w, rad, t.filt_word(j), t.obase[j], t.disjoint(j))
                for j, ((s, w), rad) in enumerate(zip(self._layout, radii, strict=True))
            ],
            dtype=np.int64,
        )
        masks = [
            mih.flip_masks(w, rad) if rad >= 0 else _NO_MASKS
            for (_, w), rad in zip(self._layout, radii, strict=True)
        ]
        mask_start = np.zeros(len(masks) + 1, dtype=np.int64)
        np.cumsum([m.shape[0] for m in masks], out=mask_start[1:])
        tables = (t.offsets, np.concatenate(masks), mask_start)
        batch = max(1, min(_QUERIES_PER_BATCH, -(-qwords.shape[0] // nthreads)))

        def run(lo: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            ctx = (self._words, qwords[lo : lo + batch], layout, t.perm, t.filt, r)
            qidx, rows, dist = _search_all(ctx, tables)
            return qidx + lo, rows, dist

        with ThreadPoolExecutor(nthreads) as pool:
            parts = list(pool.map(run, range(0, qwords.shape[0], batch)))
        return tuple(np.concatenate(p) for p in zip(*parts, strict=True))

    def _finish(
        self, qrow: np.ndarray, row: np.ndarray, dist: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ids = self._ids[row]
        order = np.lexsort((ids, dist, qrow))
        return qrow[order].astype(np.int64), ids[order], dist[order].astype(np.int32)

    def save(self, path: Path) -> None:
        """Write the index (hashes, ids and tables) to ``path`` as an uncompressed .npz."""
        arrays: dict[str, np.ndarray] = {
            "version": np.array([_FORMAT_VERSION], dtype=np.int64),
            "hashes": mih.to_bytes(self._words),
            "ids": self._ids,
            "layout": np.array(self._layout, dtype=np.int64).reshape(-1, 2),
        }
        n = len(self)
        for j in range(len(self._layout)):
            arrays[f"perm{j}"] = self._tables.perm[j * n : (j + 1) * n]
        tmp = Path(path).with_name(Path(path).name + ".tmp")
        with tmp.open("wb") as fh:
            np.savez(fh, allow_pickle=False, **arrays)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> PdqIndex:
        """Read an index written by :meth:`save`; a damaged file raises ``HashSetError``."""
        try:
            with np.load(path, allow_pickle=False) as npz:
                return cls._from_arrays({name: npz[name] for name in npz.files})
        except FileNotFoundError as exc:
            raise HashSetError(f"{path}: no such PDQ index file") from exc
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as exc:
            raise HashSetError(f"{path}: not a readable PDQ index: {exc}") from exc

    @classmethod
    def _from_arrays(cls, arrays: dict[str, np.ndarray]) -> PdqIndex:
        version = int(arrays["version"][0])
        if version != _FORMAT_VERSION:
            raise HashSetError(f"PDQ index format {version} is not supported")
        hashes = _as_hash_array(arrays["hashes"], "stored hashes")
        ids = arrays["ids"].astype(np.int64, copy=False)
        layout = [(int(s), int(w)) for s, w in arrays["layout"]]
        n = hashes.shape[0]
        if ids.shape != (n,) or layout != mih.segment_layout(len(layout)):
            raise HashSetError("PDQ index ids or layout do not match its hashes")
        perms = [arrays[f"perm{j}"].astype(np.uint32, copy=False) for j in range(len(layout))]
        if any(p.shape != (n,) or (n and int(p.max()) >= n) for p in perms):
            raise HashSetError("PDQ index tables do not match its hashes")
        words = mih.to_words(hashes)
        return cls(words, ids, mih.build_tables(words, layout, perms))


def _search_all(
    ctx: tuple[np.ndarray | int, ...], tables: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run the compiled search over every query of ``ctx``, growing the output as needed."""
    from safeguard.hashsets import pdq_kernel  # numba: loaded only when a search runs

    nq = ctx[1].shape[0] if isinstance(ctx[1], np.ndarray) else 0
    cap = 4 * nq + 1024
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    first = 0
    while first < nq:
        out = (np.empty(cap, np.int64), np.empty(cap, np.int64), np.empty(cap, np.int32))
        count, nxt = pdq_kernel.search(ctx, tables, first, out)
        parts.append((out[0][:count], out[1][:count], out[2][:count]))
        cap = cap * 2 if nxt == first else cap
        first = nxt
    if not parts:
        return _empty()
    qidx, rows, dist = (np.concatenate(p) for p in zip(*parts, strict=True))
    return qidx, rows, dist


def _empty() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int32)
