"""Which events hold the same file: one file across every exact hash it is known by.

Exact hashes (md5, sha1, sha256, and any other exact kind the events carry, such as sha512)
seen together on one event, or on one hash-set entry that events match exactly, are hashes of
the same file. A file is an equivalence class of that relation: the connected components of
the graph whose nodes are the events' variants (distinct hash combinations) and whose edges
join variants sharing an exact hash or exactly matching the same entry (union-find over
co-occurring hashes, computed by ``scipy.sparse.csgraph``). A PDQ hash is perceptual, not an
identity: it keys a file only for variants with no exact hash. A variant with no hash at all
is no file (each of its events is a file of its own).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from safeguard.match.engine import METHODS, Matches
from safeguard.match.events import Variants
from safeguard.records import MatchMethod

__all__ = ["KEY_PREFERENCE", "file_of_variants"]

#: Hash kinds in the order a file's key is chosen from (the first kind any of its variants has).
KEY_PREFERENCE: tuple[str, ...] = ("sha512", "sha256", "sha1", "md5", "pdq")
_PDQ_CODE = METHODS.index(MatchMethod.PDQ)


def _codes(values: Sequence[str | None]) -> np.ndarray:
    """Per row: a number shared by the rows holding the same value, -1 when absent."""
    encoded = pa.array(values, pa.string()).dictionary_encode()
    return np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False), np.int64)


def _to_first(rows: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edges from each of ``rows`` to the first row of its group (``rows`` ascending)."""
    if rows.size == 0:
        return rows, rows
    _, first, inverse = np.unique(groups, return_index=True, return_inverse=True)
    return rows, rows[first][inverse.reshape(-1)]


def _edges(
    variants: Variants, exact: Sequence[str], matches: Matches
) -> tuple[np.ndarray, np.ndarray]:
    """Variant pairs known to hold the same file."""
    starts, ends = [], []
    has_exact = np.zeros(len(variants), dtype=np.bool_)
    for kind in exact:
        codes = _codes(variants.hashes[kind])
        rows = np.flatnonzero(codes >= 0)
        has_exact[rows] = True
        a, b = _to_first(rows, codes[rows])
        starts.append(a)
        ends.append(b)
    if "pdq" in variants.hashes:
        codes = _codes(variants.hashes["pdq"])
        rows = np.flatnonzero((codes >= 0) & ~has_exact)
        a, b = _to_first(rows, codes[rows])
        starts.append(a)
        ends.append(b)
    by_entry = np.flatnonzero(matches.method != _PDQ_CODE)
    order = by_entry[np.lexsort((matches.query_row[by_entry], matches.entry_row[by_entry]))]
    entry, query = matches.entry_row[order], matches.query_row[order]
    keep = np.ones(len(order), dtype=np.bool_)
    keep[1:] = entry[1:] != entry[:-1]
    first = np.maximum.accumulate(np.where(keep, np.arange(len(order)), 0))
    starts.append(query)
    ends.append(query[first])
    return np.concatenate(starts), np.concatenate(ends)


def _keys(variants: Variants, kinds: Sequence[str], file: np.ndarray, n: int) -> list[str]:
    """Each file's key: its first variant's hash of the most preferred kind it has."""
    keys: list[str | None] = [None] * n
    for kind in kinds:
        values = variants.hashes[kind]
        rows = np.flatnonzero(np.fromiter((v is not None for v in values), np.bool_, len(values)))
        rows = rows[file[rows] >= 0]
        files, first = np.unique(file[rows], return_index=True)
        for f, row in zip(files.tolist(), rows[first].tolist(), strict=True):
            if keys[f] is None:
                keys[f] = values[row]
    return [k or "" for k in keys]


def file_of_variants(variants: Variants, matches: Matches) -> tuple[np.ndarray, list[str]]:
    """Per variant, its file (-1 for a variant with no hash); per file, its key.

    Files are numbered in the order of their first variant. ``matches`` are the variants'
    matches (query rows are variant rows); their exact ones join variants through entries.
    """
    kinds = [k for k in KEY_PREFERENCE if k in variants.hashes]
    exact = [k for k in kinds if k != "pdq"]
    a, b = _edges(variants, exact, matches)
    n = len(variants)
    graph = coo_matrix((np.ones(len(a), np.int8), (a, b)), shape=(n, n)).tocsr()
    _, labels = connected_components(graph, directed=False)
    hashed = np.zeros(n, dtype=np.bool_)
    for kind in kinds:
        hashed |= np.fromiter((v is not None for v in variants.hashes[kind]), np.bool_, n)
    comps, first = np.unique(labels[hashed], return_index=True)
    number = np.empty(int(labels.max()) + 1 if n else 0, dtype=np.int64)
    number[comps[np.argsort(first)]] = np.arange(len(comps))
    file = np.where(hashed, number[labels] if n else labels, -1).astype(np.int64)
    return file, _keys(variants, kinds, file, len(comps))
