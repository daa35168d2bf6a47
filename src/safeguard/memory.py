"""Handing freed memory back to the operating system between pipeline stages.

A stage that builds millions of small Python objects frees them when it ends, but the C
allocator keeps the freed pages for reuse, so the next stage starts on top of the last
one's high-water mark and the whole run's peak is the sum of what each stage left behind.
:func:`release` collects cyclic garbage (stages pause the collector while they run) and
asks glibc's allocator to return its free pages (``malloc_trim``); elsewhere it only
collects.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable
from functools import cache

__all__ = ["release"]


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    return trim


def release() -> None:
    """Free what the last stage left unreachable and give free heap pages back to the OS."""
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
