"""The stage matches each distinct hash combination once: every event gets the matches the
bank as written gives it, whichever of its hashes were reported and in whatever case."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from safeguard import match
from safeguard.config import Settings
from safeguard.hashsets import import_hash_set
from safeguard.store.db import Store
from safeguard.store.models import Account, Delivery, FileEvent, FileMatch, HashEntry
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


Event = tuple[str, int, dict[str, str]]  # platform event id, file index, hashes reported
#: Preference among the methods an event and an entry share (most specific digest first).
PREFERENCE = ("sha256", "sha1", "md5")


def _events(store: Store, rng: random.Random, files: list[tuple[str, str, str]]) -> list[Event]:
    op_id = store.operation_id("op", create=True)
    reported: list[Event] = []
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
            fi = rng.randrange(len(files))
            hashes = dict(zip(("md5", "sha1", "sha256"), files[fi], strict=True))
            keep = rng.sample(sorted(hashes), rng.randint(1, 3))
            reported.append((f"e{i}", fi, {k: hashes[k] for k in keep}))
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
    return reported


def _expected(reported: list[Event], files: list[tuple[str, str, str]]) -> set[tuple[str, ...]]:
    """By hand from the bank as written: (event, entry md5, method, category) per match."""
    expected: set[tuple[str, ...]] = set()
    for event_id, fi, hashes in reported:
        if fi >= 8:  # not in the bank
            continue
        listed = {"md5"} if fi % 3 == 0 else {"md5", "sha1", "sha256"}
        shared = [k for k in PREFERENCE if k in hashes and k in listed]
        if shared:
            category = ("A", "B", "C", "non-pertinent")[fi % 4]
            expected.add((event_id, files[fi][0], shared[0], category))
    return expected


def test_stage_matches_every_event_as_the_bank_says(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    rng = random.Random(4)
    bank, files = _bank(rng, tmp_path)
    import_hash_set(store, bank, name="bank")
    reported = _events(store, rng, files)
    result = match.run(store, settings, "op")
    with store.session() as s:
        got = {
            tuple(row)
            for row in s.execute(
                select(
                    FileEvent.platform_event_id, HashEntry.md5, FileMatch.method, FileMatch.category
                )
                .join(FileEvent, FileEvent.id == FileMatch.file_event_id)
                .join(HashEntry, HashEntry.id == FileMatch.hash_entry_id)
            )
        }
    expected = _expected(reported, files)
    assert len(expected) > 100  # most events are of known files: the oracle is not empty
    assert got == expected
    assert result.counts["matches"] == len(expected)
    assert result.counts["events_matched"] == len({e[0] for e in expected})
