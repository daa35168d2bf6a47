"""Where batches of items are processed: inline, a local pool, or a Dask cluster.

All three run :func:`~safeguard.scan.content.process_batch` on the same batches and yield
``(batch, results)`` as batches finish; the stage writes each as it arrives. At most a few
batches per worker are in flight, so memory stays bounded on any tree size.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from typing import Any

from safeguard.errors import ConfigError
from safeguard.scan.content import process_batch
from safeguard.scan.items import FileResult, Item, ScanOptions

__all__ = ["Outcome", "default_workers", "run_batches"]

Outcome = tuple[list[Item], list[list[FileResult]]]
_IN_FLIGHT_PER_WORKER = 3


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _inline(batches: Iterable[list[Item]], options: ScanOptions) -> Iterator[Outcome]:
    for batch in batches:
        yield batch, process_batch(batch, options)


def _pool(options: ScanOptions, workers: int) -> Executor:
    """Processes when images and videos are decoded (PDQ and FFmpeg hold the GIL); threads
    for exact hashes only (hashlib releases the GIL on large updates, and threads start at
    once)."""
    if not options.media:
        return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scan")
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def _pooled(batches: Iterable[list[Item]], options: ScanOptions, workers: int) -> Iterator[Outcome]:
    with _pool(options, workers) as pool:
        limit = workers * _IN_FLIGHT_PER_WORKER
        yield from _bounded(batches, lambda b: pool.submit(process_batch, b, options), limit)


def _bounded(batches: Iterable[list[Item]], submit: Any, limit: int) -> Iterator[Outcome]:
    pending: dict[Future[list[list[FileResult]]], list[Item]] = {}
    queue = deque(batches)
    while queue or pending:
        while queue and len(pending) < limit:
            batch = queue.popleft()
            pending[submit(batch)] = batch
        done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
        for fut in done:
            yield pending.pop(fut), fut.result()


def _dask(batches: Iterable[list[Item]], options: ScanOptions, address: str) -> Iterator[Outcome]:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ConfigError("--scheduler needs Dask distributed (pip install distributed)") from exc
    try:
        client = Client(address, timeout="20s", set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise ConfigError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    with client:
        threads = client.nthreads()  # type: ignore[no-untyped-call]
        limit = max(1, sum(threads.values())) * _IN_FLIGHT_PER_WORKER
        queue = deque(batches)
        pending: dict[Any, list[Item]] = {}
        flow = as_completed(loop=client.loop)  # type: ignore[no-untyped-call]
        while queue or pending:
            while queue and len(pending) < limit:
                batch = queue.popleft()
                fut = client.submit(process_batch, batch, options, pure=False)
                pending[fut] = batch
                flow.add(fut)  # type: ignore[no-untyped-call]
            fut = next(flow)
            yield pending.pop(fut), fut.result()


def run_batches(
    batches: Iterable[list[Item]],
    options: ScanOptions,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
) -> Iterator[Outcome]:
    """Process ``batches`` on the Dask cluster at ``scheduler``, else ``workers`` local
    processes (default one per core; 1 runs inline in this process)."""
    if scheduler:
        return _dask(batches, options, scheduler)
    count = workers or default_workers()
    if count <= 1:
        return _inline(batches, options)
    return _pooled(batches, options, count)
