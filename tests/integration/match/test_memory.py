"""The match stage's memory does not grow with a Python object per file event.

At 100,000 accounts an operation has ~5M file events; holding a few Python objects for each
(ids, timestamps, a hash-key string) cost gigabytes. Reading the events must keep only
numpy columns, so its traced peak is bounded by one fetched chunk, not by the event count.
"""

from __future__ import annotations

import random
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from safeguard.match.events import read_file_events
from safeguard.progress import NULL_PROGRESS
from safeguard.store.bulk import bulk_insert, ts_text
from safeguard.store.db import Store
from safeguard.store.models import Account, Delivery
from tests.unit.hashsets.samples import rand_hex

EVENTS = 150_000
T0 = datetime(2021, 1, 1, tzinfo=UTC)


def _store(tmp_path: Path) -> tuple[Store, int]:
    store = Store.open_url(f"sqlite:///{tmp_path / 'm.db'}")
    op_id = store.operation_id("op", create=True)
    with store.session() as s:
        d = Delivery(operation_id=op_id, format="test", checksum="e" * 64)
        s.add(d)
        s.flush()
        accounts = [Account(operation_id=op_id, delivery_id=d.id, platform="p",
                            platform_account_id=f"a{i}") for i in range(100)]  # fmt: skip
        s.add_all(accounts)
        s.flush()
        ids, delivery = [a.id for a in accounts], d.id
    rng = random.Random(5)
    files = [(rand_hex(rng, 32), rand_hex(rng, 64)) for _ in range(500)]
    rows = (
        (ids[i % 100], delivery, f"e{i}", ts_text(T0 + timedelta(seconds=i)), "download",
         *files[i % 500])
        for i in range(EVENTS)
    )  # fmt: skip
    cols = ("account_id", "delivery_id", "platform_event_id", "ts", "direction", "md5", "sha256")
    with store.transaction() as conn:
        bulk_insert(conn, "file_event", cols, rows)
    return store, op_id


def test_reading_events_keeps_no_python_object_per_event(tmp_path: Path) -> None:
    store, op_id = _store(tmp_path)
    tracemalloc.start()
    try:
        events = read_file_events(store, op_id, 0, NULL_PROGRESS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        store.dispose()
    assert len(events) == EVENTS and len(events.variants) == 500
    # Holding every event's id, account, timestamp text and hash key as Python objects
    # takes over 50 MB here; one fetched chunk and the numpy columns take under 30 MB.
    assert peak < 30 << 20, f"peak {peak / 2**20:.0f} MB"
