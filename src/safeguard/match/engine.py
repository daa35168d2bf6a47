"""The matching engine: hashes in, matches out. It knows nothing of the store.

A :class:`MatchEngine` holds the entries of the chosen hash sets as column arrays, an
:class:`~safeguard.match.exact.ExactIndex` per cryptographic hash and a PDQ index. The match
stage, device scans and the industry matching API all feed it batches of hashes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from safeguard.hashsets.pdq_index import PdqIndex
from safeguard.match.exact import ExactIndex, hex_to_digests
from safeguard.records import Category, MatchMethod

__all__ = [
    "EXACT_KINDS",
    "METHODS",
    "SEVERITY",
    "MatchEngine",
    "Matches",
    "SetRef",
    "category_code",
]

#: Categories by severity; a category's code is its index (lower = more severe).
SEVERITY: tuple[Category, ...] = (
    Category.A,
    Category.B,
    Category.C,
    Category.UNCATEGORISED,
    Category.NON_PERTINENT,
)
#: Match methods in order of preference; a method's code is its index.
METHODS: tuple[MatchMethod, ...] = (
    MatchMethod.SHA512,
    MatchMethod.SHA256,
    MatchMethod.SHA1,
    MatchMethod.MD5,
    MatchMethod.PDQ,
)
#: Digest length in bytes of each exact method.
EXACT_KINDS: dict[str, int] = {"sha512": 64, "sha256": 32, "sha1": 20, "md5": 16}
_PDQ_CODE = METHODS.index(MatchMethod.PDQ)


def category_code(category: str) -> int:
    return SEVERITY.index(Category(category))


@dataclass(frozen=True)
class SetRef:
    """A hash set version the engine was loaded from."""

    id: int
    name: str
    version: int


@dataclass(frozen=True)
class Matches:
    """Parallel arrays, one element per (query, entry) match."""

    query_row: np.ndarray
    entry_row: np.ndarray
    method: np.ndarray
    distance: np.ndarray

    @classmethod
    def empty(cls) -> Matches:
        none = np.empty(0, np.int64)
        return cls(none, none, none, np.empty(0, np.int32))

    def __len__(self) -> int:
        return int(self.query_row.shape[0])

    @classmethod
    def concat(cls, parts: Sequence[Matches]) -> Matches:
        """All parts, keeping one match per (query, entry): the preferred method's."""
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        q, e, m, d = (np.concatenate([getattr(p, f) for p in parts]) for f in _FIELDS)
        order = np.lexsort((d, m, e, q))
        q, e, m, d = q[order], e[order], m[order], d[order]
        first = np.ones(len(q), dtype=bool)
        first[1:] = (q[1:] != q[:-1]) | (e[1:] != e[:-1])
        return cls(q[first], e[first], m[first], d[first])

    def broadcast(self, group: np.ndarray, queries: int | None = None) -> Matches:
        """Matches of rows that share a query: row ``i`` gets the matches of query
        ``group[i]``. ``self`` must be sorted by query row (as :meth:`concat` leaves it);
        the result is sorted by row, then as ``self`` within a row. ``queries``: how many
        queries there are (default: as many as ``group`` refers to)."""
        n_groups = int(group.max()) + 1 if group.size else 0
        if queries is not None:
            n_groups = max(queries, int(self.query_row.max()) + 1 if len(self) else 0)
        per_query = np.bincount(self.query_row, minlength=n_groups)
        starts = np.zeros(n_groups + 1, dtype=np.int64)
        np.cumsum(per_query, out=starts[1:])
        counts = per_query[group] if group.size else np.empty(0, np.int64)
        rows = np.repeat(np.arange(len(group), dtype=np.int64), counts)
        offsets = np.cumsum(counts) - counts  # first result position of each row
        pos = np.arange(len(rows), dtype=np.int64) - np.repeat(offsets, counts)
        pos += np.repeat(starts[:-1][group] if group.size else starts[:0], counts)
        return Matches(rows, self.entry_row[pos], self.method[pos], self.distance[pos])


_FIELDS = ("query_row", "entry_row", "method", "distance")


class MatchEngine:
    """Entries (as rows 0..n-1) with their store ids, set and category, and their indexes."""

    def __init__(
        self,
        *,
        entry_ids: np.ndarray,
        set_index: np.ndarray,
        categories: np.ndarray,
        sets: Sequence[SetRef],
        exact: Mapping[str, ExactIndex],
        pdq: PdqIndex | None,
    ) -> None:
        self.entry_ids = entry_ids
        self.set_index = set_index
        self.categories = categories
        self.sets = tuple(sets)
        self._exact = dict(exact)
        self._pdq = pdq

    @classmethod
    def build(
        cls,
        *,
        entry_ids: Sequence[int] | np.ndarray,
        set_index: Sequence[int] | np.ndarray,
        categories: Sequence[int] | np.ndarray,
        sets: Sequence[SetRef],
        hashes: Mapping[str, Sequence[str | None]],
    ) -> MatchEngine:
        """Build from entry columns; ``hashes`` maps md5/sha1/sha256/sha512/pdq to hex per entry."""
        ids = np.asarray(entry_ids, dtype=np.int64)
        exact = {}
        for kind, nbytes in EXACT_KINDS.items():
            digests, valid = hex_to_digests(hashes.get(kind, [None] * len(ids)), nbytes)
            rows = np.flatnonzero(valid)
            exact[kind] = ExactIndex.build(digests[rows], rows)
        pdq_digests, pdq_valid = hex_to_digests(hashes.get("pdq", [None] * len(ids)), 32)
        pdq_rows = np.flatnonzero(pdq_valid)
        pdq = PdqIndex.build(pdq_digests[pdq_rows], pdq_rows) if pdq_rows.size else None
        return cls(
            entry_ids=ids,
            set_index=np.asarray(set_index, dtype=np.int32),
            categories=np.asarray(categories, dtype=np.int8),
            sets=sets,
            exact=exact,
            pdq=pdq,
        )

    def __len__(self) -> int:
        return int(self.entry_ids.shape[0])

    def counts(self) -> dict[str, int]:
        """Indexed entries per hash kind."""
        out = {kind: len(index) for kind, index in self._exact.items()}
        out["pdq"] = len(self._pdq) if self._pdq is not None else 0
        return out

    def match_exact(self, kind: str, hexes: Sequence[str | None]) -> Matches:
        """Exact matches of ``kind`` (md5/sha1/sha256/sha512) hex digests; absent or bad ones
        are skipped."""
        digests, valid = hex_to_digests(hexes, EXACT_KINDS[kind])
        rows = np.flatnonzero(valid)
        q, e = self._exact[kind].lookup(digests[rows])
        code = METHODS.index(MatchMethod(kind))
        return Matches(rows[q], e, np.full(len(q), code, np.int64), np.zeros(len(q), np.int32))

    def match_pdq(
        self,
        hexes: Sequence[str | None],
        *,
        max_distance: int,
        qualities: Sequence[int | None] | None = None,
        min_quality: int = 0,
    ) -> Matches:
        """PDQ matches within ``max_distance``; hashes of quality below ``min_quality`` (or of
        unknown quality when a minimum is set) are not matched."""
        digests, valid = hex_to_digests(hexes, 32)
        if qualities is not None and min_quality > 0:
            q_arr = np.array([-1 if v is None else v for v in qualities], dtype=np.int64)
            valid &= q_arr >= min_quality
        rows = np.flatnonzero(valid)
        if self._pdq is None or rows.size == 0:
            return Matches.empty()
        q, e, d = self._pdq.query_many(digests[rows], max_distance)
        code = np.full(len(q), _PDQ_CODE, np.int64)
        return Matches(rows[q], e.astype(np.int64), code, d.astype(np.int32))

    def match_hashes(
        self,
        hashes: Mapping[str, Sequence[str | None]],
        *,
        max_distance: int,
        pdq_qualities: Sequence[int | None] | None = None,
        min_quality: int = 0,
    ) -> Matches:
        """All matches of aligned query columns (any of md5/sha1/sha256/sha512/pdq), one per
        (query, entry) pair with the preferred method."""
        parts = [self.match_exact(k, hashes[k]) for k in EXACT_KINDS if k in hashes]
        if "pdq" in hashes:
            parts.append(
                self.match_pdq(
                    hashes["pdq"],
                    max_distance=max_distance,
                    qualities=pdq_qualities,
                    min_quality=min_quality,
                )
            )
        return Matches.concat(parts)
