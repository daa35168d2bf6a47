"""Exact lookup of many digests at once in a large bank (tens of millions of entries).

Digests are kept sorted by their first 8 bytes (as uint64) with a bucket directory over the
top bits of that prefix, so a lookup costs two directory reads and, on average, about one
comparison, all vectorised in numpy. Every candidate is verified on the full digest.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["ExactIndex", "hex_to_digests"]

_MAX_BUCKET_BITS = 27


def hex_to_digests(hexes: Sequence[str | None], nbytes: int) -> tuple[np.ndarray, np.ndarray]:
    """Parse hex digests into an (n, nbytes) uint8 array and a validity mask.

    Absent (``None``/empty) or malformed values are marked invalid (their row is zeros).
    """
    n, width = len(hexes), 2 * nbytes
    try:  # fast path: every value present and of the right length
        if n and (np.fromiter(map(len, hexes), np.int64, count=n) == width).all():  # type: ignore[arg-type]
            raw = bytes.fromhex("".join(hexes))  # type: ignore[arg-type]
            return np.frombuffer(raw, np.uint8).reshape(n, nbytes).copy(), np.ones(n, np.bool_)
    except (TypeError, ValueError):
        pass
    out = np.zeros((n, nbytes), dtype=np.uint8)
    valid = np.fromiter((h is not None and len(h) == width for h in hexes), np.bool_, count=n)
    if not valid.any():
        return out, valid
    rows = np.flatnonzero(valid)
    picked = [hexes[i] or "" for i in rows.tolist()]
    try:
        raw = bytes.fromhex("".join(picked))
        out[rows] = np.frombuffer(raw, dtype=np.uint8).reshape(len(rows), nbytes)
    except ValueError:
        for i, text in zip(rows, picked, strict=True):
            try:
                out[i] = np.frombuffer(bytes.fromhex(text), dtype=np.uint8)
            except ValueError:
                valid[i] = False
    return out, valid


def _words(digests: np.ndarray) -> np.ndarray:
    """Bytes 8.. of each digest, zero-padded and viewed as (n, k) uint64 for fast compares."""
    rest = digests[:, 8:]
    k = -(-rest.shape[1] // 8)
    padded = np.zeros((digests.shape[0], 8 * k), dtype=np.uint8)
    padded[:, : rest.shape[1]] = rest
    return padded.view(np.uint64)


def _prefix(digests: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(digests[:, :8]).view(np.uint64).ravel()


class ExactIndex:
    """Digests of one length (e.g. 16 bytes for MD5), each with a row number of its entry."""

    def __init__(self, prefix: np.ndarray, rest: np.ndarray, rows: np.ndarray) -> None:
        self._prefix = prefix
        self._rest = rest
        self._rows = rows
        self._bits = min(_MAX_BUCKET_BITS, max(1, int(np.ceil(np.log2(max(len(rows), 2))))))
        self._shift = np.uint64(64 - self._bits)
        counts = np.bincount((prefix >> self._shift).astype(np.int64), minlength=1 << self._bits)
        dtype = np.uint32 if len(rows) < 2**32 else np.int64
        self._starts = np.zeros(len(counts) + 1, dtype=dtype)
        np.cumsum(counts, out=self._starts[1:])

    @classmethod
    def build(cls, digests: np.ndarray, rows: np.ndarray) -> ExactIndex:
        """Index ``digests`` ((n, L) uint8, L >= 8) under ``rows`` ((n,) int64)."""
        prefix = _prefix(digests)
        order = np.argsort(prefix, kind="stable")
        return cls(prefix[order], _words(digests[order]), np.asarray(rows, dtype=np.int64)[order])

    def __len__(self) -> int:
        return int(self._rows.shape[0])

    @property
    def nbytes(self) -> int:
        return int(
            self._prefix.nbytes + self._rest.nbytes + self._rows.nbytes + self._starts.nbytes
        )

    def _first_step(
        self, qp: np.ndarray, qw: np.ndarray, lo: np.ndarray, hi: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Matches on the first candidate of each query's bucket, on whole arrays (most
        buckets hold zero or one digest, so this step finds nearly every match)."""
        pos = np.minimum(lo, len(self) - 1)
        q = np.flatnonzero((lo < hi) & (self._prefix[pos] == qp))
        p = pos[q]
        full = np.all(self._rest[p] == qw[q], axis=1)
        return q[full], self._rows[p[full]]

    def lookup(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (query row, entry row) whose digests are equal; queries are (m, L) uint8.

        The result is sorted by query row, then entry row."""
        if len(self) == 0 or queries.shape[0] == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        qp, qw = _prefix(queries), _words(queries)
        bucket = (qp >> self._shift).astype(np.intp)
        lo = self._starts.take(bucket).astype(np.intp)
        hi = self._starts.take(bucket + 1).astype(np.intp)
        q0, e0 = self._first_step(qp, qw, lo, hi)
        qrows, erows = [q0], [e0]
        live = np.flatnonzero(hi - lo > 1)  # buckets holding more digests
        step = 1
        while live.size:
            pos = lo[live] + step
            same = self._prefix[pos] == qp[live]
            if same.any():
                q, p = live[same], pos[same]
                full = np.all(self._rest[p] == qw[q], axis=1)
                qrows.append(q[full])
                erows.append(self._rows[p[full]])
            step += 1
            live = live[lo[live] + step < hi[live]]
        if sum(len(q) for q in qrows) == len(q0):  # the usual case: ascending query rows
            return q0.astype(np.int64), e0
        q_all, e_all = np.concatenate(qrows), np.concatenate(erows)
        order = np.lexsort((e_all, q_all))
        return q_all[order].astype(np.int64), e_all[order]
