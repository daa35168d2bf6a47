"""The background writer keeps the loader's order, surfaces a failed write, and is idle
once left (so the transaction can roll back safely)."""

from __future__ import annotations

import threading
import time

import pytest

from safeguard.ingest.writer import Writer


def test_writes_run_in_order_off_the_calling_thread() -> None:
    done: list[int] = []
    threads: set[int] = set()

    def write(i: int) -> None:
        time.sleep(0.001 * (5 - i % 5))  # later writes are quicker: order must still hold
        threads.add(threading.get_ident())
        done.append(i)

    with Writer(depth=3) as writer:
        for i in range(20):
            writer.submit(write, i)
        writer.drain()
        assert done == list(range(20))
    assert threads and threading.get_ident() not in threads


def test_a_failed_write_raises_and_later_ones_do_not_run() -> None:
    done: list[int] = []

    def write(i: int) -> None:
        if i == 1:
            raise RuntimeError("disk full")
        done.append(i)

    with pytest.raises(RuntimeError, match="disk full"), Writer(depth=1) as writer:
        for i in range(5):
            writer.submit(write, i)
    assert done == [0]


def test_leaving_on_an_error_waits_for_the_running_write() -> None:
    finished = threading.Event()

    def slow() -> None:
        time.sleep(0.05)
        finished.set()

    with pytest.raises(KeyError), Writer() as writer:
        writer.submit(slow)
        raise KeyError("loader failed")
    assert finished.is_set()
