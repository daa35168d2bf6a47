"""The compiled (numba) search loop behind ``PdqIndex``.

Hashes are held as four big-endian 64-bit words, so bit ``p`` of a hash (most significant
bit of its first byte first) is bit ``63 - p % 64`` of word ``p // 64`` and a segment key
is a shift and a mask. For each query, each segment table is probed with every key within
the segment's radius; each bucket's entries are scanned in order, first on the 128-bit
96-bit pre-filter stored beside the bucket, then on the full hash. A pair is reported only by the
first segment through which it can be found, so no pair is reported twice and nothing is
merged afterwards. The loop holds no Python objects and runs without the GIL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["search", "sort_into_buckets"]

_F = TypeVar("_F", bound=Callable[..., Any])

_cg: Any = cgutils  # numba's code-generation helpers (untyped)
_SIXTY_FOUR = np.uint64(64)
_THIRTY_TWO = np.uint64(32)


def _compiled(fn: _F) -> _F:
    """``numba.njit``, cached on disk, releasing the GIL (typed for mypy)."""
    return cast(_F, numba.njit(cache=True, nogil=True, boundscheck=False)(fn))


def _inlined(fn: _F) -> _F:
    """A helper compiled into its callers (no call, no reference counting per call)."""
    return cast(_F, numba.njit(inline="always", nogil=True, boundscheck=False)(fn))


def _ctpop_typing(typingctx: Any, x: Any) -> Any:
    """LLVM's population count of a uint64 (one ``popcnt`` instruction)."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.ctpop(args[0])

    return types.uint64(types.uint64), codegen


_ctpop = cast(Callable[[Any], Any], intrinsic(_ctpop_typing))


def _prefetch_typing(typingctx: Any, array: Any, row: Any) -> Any:
    """Ask the CPU to start loading row ``row`` of an array into cache (no wait)."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        zero = context.get_constant(types.intp, 0)
        index = [args[1]] + [zero] * (aryty.ndim - 1)
        ptr = _cg.get_item_pointer(context, builder, aryty, ary, index)
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = _cg.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        read, keep, data = ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)
        builder.call(fn, [builder.bitcast(ptr, i8p), read, keep, data])
        return context.get_dummy_value()

    return types.void(array, types.intp), codegen


_prefetch = cast(Callable[[Any, Any], None], intrinsic(_prefetch_typing))


@_compiled
def _distance(a: np.ndarray, i: int, b: np.ndarray, j: int) -> int:
    """Hamming distance between row ``i`` of ``a`` and row ``j`` of ``b`` ((n, 4) uint64)."""
    return int(
        _ctpop(a[i, 0] ^ b[j, 0])
        + _ctpop(a[i, 1] ^ b[j, 1])
        + _ctpop(a[i, 2] ^ b[j, 2])
        + _ctpop(a[i, 3] ^ b[j, 3])
    )


@_inlined
def _filter_distance(filt: np.ndarray, pos: int, qa: Any, qb: Any) -> int:
    """Distance on the 96 pre-filter bits of entry ``pos`` (a lower bound on the whole)."""
    a = (np.uint64(filt[pos, 0]) << _THIRTY_TWO) | np.uint64(filt[pos, 1])
    return int(_ctpop(a ^ qa) + _ctpop(np.uint64(filt[pos, 2]) ^ qb))


@_inlined
def _key(words: np.ndarray, row: int, start: int, width: int) -> Any:
    """The ``width``-bit segment at bit ``start`` of one big-endian hash row."""
    word = start >> 6
    off = np.uint64(start & 63)
    w = np.uint64(width)
    key = (words[row, word] << off) >> (_SIXTY_FOUR - w)
    if off + w > _SIXTY_FOUR:
        key |= words[row, word + 1] >> (_SIXTY_FOUR + _SIXTY_FOUR - off - w)
    return key


@_compiled
def _found_earlier(  # noqa: PLR0917 (numba compiles positional parameters only)
    words: np.ndarray,
    row: int,
    qwords: np.ndarray,
    q: int,
    table: int,
    layout: np.ndarray,
) -> bool:
    """Whether an earlier segment table also finds this (query, row) pair."""
    for j in range(table):
        radius = layout[j, 2]
        if radius < 0:
            continue
        diff = _key(words, row, layout[j, 0], layout[j, 1])
        diff ^= _key(qwords, q, layout[j, 0], layout[j, 1])
        if np.int64(_ctpop(diff)) <= radius:
            return True
    return False


@_inlined
def _warm_offsets(
    q: int, qwords: np.ndarray, layout: np.ndarray, tables: tuple[np.ndarray, ...]
) -> None:
    """Prefetch the offsets of every bucket query ``q`` will probe."""
    offsets, masks, mask_start = tables
    for table in range(layout.shape[0]):
        key = _key(qwords, q, layout[table, 0], layout[table, 1])
        for m in range(mask_start[table], mask_start[table + 1]):
            _prefetch(offsets, layout[table, 4] + np.int64(key ^ masks[m]))


@_inlined
def _bounds(  # noqa: PLR0917 (numba compiles positional parameters only)
    q: int,
    qwords: np.ndarray,
    layout: np.ndarray,
    tables: tuple[np.ndarray, ...],
    filt: np.ndarray,
    bounds: np.ndarray,
) -> None:
    """Each bucket's (first, end) entry for query ``q``, into ``bounds``; prefetch them."""
    offsets, masks, mask_start = tables
    n = filt.shape[0] // layout.shape[0]
    for table in range(layout.shape[0]):
        key = _key(qwords, q, layout[table, 0], layout[table, 1])
        for m in range(mask_start[table], mask_start[table + 1]):
            bucket = layout[table, 4] + np.int64(key ^ masks[m])
            lo, hi = table * n + offsets[bucket], table * n + offsets[bucket + 1]
            bounds[m, 0], bounds[m, 1] = lo, hi
            if hi > lo:
                _prefetch(filt, lo)
                if hi > lo + 5:
                    _prefetch(filt, lo + 5)


@_compiled
def _search_range(
    ctx: tuple[Any, ...],
    tables: tuple[np.ndarray, np.ndarray, np.ndarray],
    first: int,
    out: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> tuple[int, int]:
    """Search queries from ``first`` on until ``out`` is full.

    Returns (pairs written, first query not searched); only whole queries are written.
    Pipelined: while query ``q``'s buckets are scanned, query ``q + 1``'s buckets and query
    ``q + 2``'s offsets are already on their way into cache.
    """
    words, qwords, layout, perm, filt, r = ctx
    masks, mask_start = tables[1], tables[2]
    out_q, out_row, out_dist = out
    nq = qwords.shape[0]
    bounds = np.empty((2, masks.shape[0], 2), np.int64)
    for q in range(first, min(first + 2, nq)):
        _warm_offsets(q, qwords, layout, tables)
    _bounds(first, qwords, layout, tables, filt, bounds[first & 1])
    count = 0
    for q in range(first, nq):
        done, slot = count, q & 1
        if q + 2 < nq:
            _warm_offsets(q + 2, qwords, layout, tables)
        if q + 1 < nq:
            _bounds(q + 1, qwords, layout, tables, filt, bounds[1 - slot])
        for table in range(layout.shape[0]):
            fw, disjoint = layout[table, 3], layout[table, 5]
            qa, qb = qwords[q, fw], qwords[q, fw + 1] >> _THIRTY_TWO
            for m in range(mask_start[table], mask_start[table + 1]):
                budget = r - disjoint * np.int64(_ctpop(np.uint64(masks[m])))
                for pos in range(bounds[slot, m, 0], bounds[slot, m, 1]):
                    if _filter_distance(filt, pos, qa, qb) > budget:
                        continue
                    row = perm[pos]
                    dist = _distance(words, row, qwords, q)
                    if dist > r or _found_earlier(words, row, qwords, q, table, layout):
                        continue
                    if count == out_q.shape[0]:
                        return done, q
                    out_q[count], out_row[count], out_dist[count] = q, row, dist
                    count += 1
    return count, nq


def search(
    ctx: tuple[Any, ...],
    tables: tuple[np.ndarray, np.ndarray, np.ndarray],
    first: int,
    out: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> tuple[int, int]:
    """Typed entry point of the compiled search (see :func:`_search_range`)."""
    return _search_range(ctx, tables, first, out)


@_compiled
def _sort_into_buckets(  # noqa: PLR0917 (numba compiles positional parameters only)
    keys: np.ndarray,
    words: np.ndarray,
    fw: int,
    offsets: np.ndarray,
    perm: np.ndarray,
    filt: np.ndarray,
) -> None:
    """Counting sort of the rows by key (rows ascending within a key), with each row's
    96-bit pre-filter (word ``fw`` and the high half of word ``fw + 1``) written beside it."""
    cursor = offsets[:-1].astype(np.int64)
    low = np.uint64(0xFFFFFFFF)
    for row in range(keys.shape[0]):
        key = keys[row]
        pos = cursor[key]
        cursor[key] = pos + 1
        perm[pos] = row
        first = words[row, fw]
        filt[pos, 0] = np.uint32(first >> _THIRTY_TWO)
        filt[pos, 1] = np.uint32(first & low)
        filt[pos, 2] = np.uint32(words[row, fw + 1] >> _THIRTY_TWO)


def sort_into_buckets(  # noqa: PLR0917
    keys: np.ndarray,
    words: np.ndarray,
    fw: int,
    offsets: np.ndarray,
    perm: np.ndarray,
    filt: np.ndarray,
) -> None:
    """Typed entry point of the compiled table fill (see :func:`_sort_into_buckets`)."""
    _sort_into_buckets(keys, words, fw, offsets, perm, filt)
