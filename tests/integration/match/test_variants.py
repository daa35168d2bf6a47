"""The stage matches each distinct hash combination once: results equal per-event matching."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import select

from safeguard import match
from safeguard.config import Settings
from safeguard.hashsets import import_hash_set
from safeguard.match.engine import METHODS, SEVERITY
from safeguard.store.db import Store
from safeguard.store.models import Account, AccountMaterial, Delivery, FileEvent, FileMatch
from tests.unit.hashsets.samples import rand_hex

T0 = datetime(2022, 5, 1, tzinfo=UTC)


def _bank(rng: random.Random, tmp_path: Path) -> tuple[Path, list[tuple[str, str, str]]]:
    files = [(rand_hex(rng, 32), rand_hex(rng, 40), rand_hex(rng, 64)) for _ in range(12)]
    lines = ["md5,sha1,sha256,category"]
    for i, (md5, sha1, sha256) in enumerate(files[:8]):  # 4 files are unknown
        cat = ("A", "B", "C", "non-pertinent")[i % 4]
        lines.append(f"{md5},,,{cat}" if i % 3 == 0 else f"{md5},{sha1},{sha256},{cat}")
    path = tmp_path / "bank.csv"
    path.write_text("\n".join(lines) + "\n")
    return path, files


def _events(store: Store, rng: random.Random, files: list[tuple[str, str, str]]) -> None:
    op_id = store.operation_id("op", create=True)
    with store.session() as s:
        d = Delivery(operation_id=op_id, format="test", checksum="c" * 64)
        s.add(d)
        s.flush()
        accounts = [
            Account(operation_id=op_id, delivery_id=d.id, platform="p", platform_account_id=f"a{i}")
            for i in range(5)
        ]
        s.add_all(accounts)
        s.flush()
        for i in range(300):  # the same files again and again, in varying hash combinations
            md5, sha1, sha256 = rng.choice(files)
            hashes = {"md5": md5, "sha1": sha1, "sha256": sha256}
            keep = rng.sample(sorted(hashes), rng.randint(1, 3))
            s.add(
                FileEvent(
                    account_id=rng.choice(accounts).id,
                    delivery_id=d.id,
                    platform_event_id=f"e{i}",
                    ts=T0 + timedelta(seconds=rng.randint(0, 10**6)),
                    direction=rng.choice(["upload", "download", "share"]),
                    **{k: (hashes[k].upper() if rng.random() < 0.2 else hashes[k]) for k in keep},
                )
            )


def test_stage_equals_matching_every_event(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    rng = random.Random(4)
    bank, files = _bank(rng, tmp_path)
    import_hash_set(store, bank, name="bank")
    _events(store, rng, files)
    result = match.run(store, settings, "op")
    with store.session() as s:
        events = list(s.scalars(select(FileEvent).order_by(FileEvent.id)))
        got = sorted(
            (m.file_event_id, m.hash_entry_id, m.method, m.category)
            for m in s.scalars(select(FileMatch))
        )
        materials = list(s.scalars(select(AccountMaterial)))
    engine = match.load_engine(store)
    cols = {k: [getattr(e, k) for e in events] for k in ("md5", "sha1", "sha256", "pdq")}
    m = engine.match_hashes(cols, max_distance=31)
    expected = sorted(
        (events[q].id, int(engine.entry_ids[e]), METHODS[k].value, SEVERITY[c].value)
        for q, e, k, c in zip(
            m.query_row.tolist(),
            m.entry_row.tolist(),
            m.method.tolist(),
            engine.categories[m.entry_row].tolist(),
            strict=True,
        )
    )
    assert got == expected
    assert result.counts["matches"] == len(expected)
    assert result.counts["events_matched"] == int(np.unique(m.query_row).size)
    assert sum(x.files_known + x.files_non_pertinent + x.files_unknown for x in materials) > 0
