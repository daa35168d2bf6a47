"""The match stage: file matches and per-account material summary, idempotent, recorded."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from safeguard import match
from safeguard.config import Settings
from safeguard.errors import NotFoundError
from safeguard.hashsets import import_hash_set
from safeguard.store.db import Store
from safeguard.store.models import (
    Account,
    AccountMaterial,
    Delivery,
    FileEvent,
    FileMatch,
    StageRun,
    StageWarning,
)
from tests.unit.hashsets.samples import rand_hex

T0 = datetime(2021, 3, 1, 12, 0, tzinfo=UTC)
RNG = random.Random(21)
M1, S1, H2, P3, N4 = (rand_hex(RNG, n) for n in (32, 64, 40, 64, 32))
U1, U2 = rand_hex(RNG, 64), rand_hex(RNG, 64)


def _near(hex64: str, bits: int) -> str:
    return f"{int(hex64, 16) ^ ((1 << bits) - 1):064x}"


def _known_set(tmp_path: Path) -> Path:
    path = tmp_path / "known.csv"
    path.write_text(
        "md5,sha1,sha256,pdq,category\n"
        f"{M1},,{S1},,A\n,{H2},,,C\n,,,{P3},B\n{N4},,,,non-pertinent\n"
    )
    return path


def _operation(store: Store) -> dict[str, int]:
    op_id = store.operation_id("op", create=True)
    with store.session() as s:
        d = Delivery(operation_id=op_id, format="test", checksum="c" * 64)
        s.add(d)
        s.flush()
        ids = {}
        for name in ("x", "y", "z"):
            a = Account(
                operation_id=op_id, delivery_id=d.id, platform="p", platform_account_id=name
            )
            s.add(a)
            s.flush()
            ids[name] = a.id
        events: list[tuple[str, int, str, dict[str, Any]]] = [  # account, minutes, direction
            ("x", 0, "upload", {"md5": M1, "sha256": S1}),
            ("x", 5, "download", {"sha1": H2.upper()}),
            ("x", 10, "upload", {"sha256": U1}),
            ("x", 20, "share", {"sha256": S1}),
            ("y", 30, "upload", {"sha256": U1}),
            ("y", 40, "download", {"sha256": U2}),
            ("y", 50, "upload", {"md5": N4}),
            ("y", 60, "download", {"pdq": _near(P3, 5), "pdq_quality": 80}),
            ("y", 70, "download", {"pdq": _near(P3, 6), "pdq_quality": 20}),
        ]
        for i, (who, minutes, direction, hashes) in enumerate(events):
            s.add(
                FileEvent(
                    account_id=ids[who],
                    delivery_id=d.id,
                    platform_event_id=f"e{i}",
                    ts=T0 + timedelta(minutes=minutes),
                    direction=direction,
                    **hashes,
                )
            )
    return ids


def _material(store: Store) -> dict[int, AccountMaterial]:
    with store.session() as s:
        return {m.account_id: m for m in s.scalars(select(AccountMaterial))}


def test_material_summary_per_account(store: Store, settings: Settings, tmp_path: Path) -> None:
    import_hash_set(store, _known_set(tmp_path), name="known")
    ids = _operation(store)
    result = match.run(store, settings, "op")
    assert result.hash_sets == {"known": 1}
    assert result.counts["events_matched"] == 5
    rows = _material(store)
    x, y, z = rows[ids["x"]], rows[ids["y"]], rows[ids["z"]]
    assert (x.files_a, x.files_b, x.files_c, x.files_known, x.files_unknown) == (1, 0, 1, 2, 1)
    assert (x.events_a, x.events_c, x.uploads, x.downloads, x.shares) == (2, 1, 2, 1, 1)
    assert x.first_uploads_unknown == 1
    assert x.detail["first_upload_unknown_files"] == [U1]
    assert (x.first_seen, x.last_seen) == (T0, T0 + timedelta(minutes=20))
    assert (y.files_b, y.files_unknown, y.files_non_pertinent, y.files_known) == (1, 3, 1, 1)
    assert y.first_uploads_unknown == 0
    assert (z.files_known, z.files_unknown, z.first_seen) == (0, 0, None)


def test_file_matches_method_distance_and_category(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    import_hash_set(store, _known_set(tmp_path), name="known")
    _operation(store)
    match.run(store, settings, "op")
    with store.session() as s:
        got = sorted((m.method, m.distance, m.category) for m in s.scalars(select(FileMatch)))
    assert got == [
        ("md5", 0, "non-pertinent"),
        ("pdq", 5, "B"),
        ("sha1", 0, "C"),
        ("sha256", 0, "A"),
        ("sha256", 0, "A"),
    ]


def test_rerun_replaces_and_records_versions(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    import_hash_set(store, _known_set(tmp_path), name="known")
    ids = _operation(store)
    match.run(store, settings, "op")
    before = {k: (v.files_known, v.events_a) for k, v in _material(store).items()}
    strict = Settings(
        data_dir=settings.data_dir, database_url=settings.database_url, pdq_max_distance=4
    )
    match.run(store, strict, "op")
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(FileMatch)) == 4
        runs = list(s.scalars(select(StageRun).where(StageRun.stage == "match")))
        assert [r.config["pdq_max_distance"] for r in runs] == [31, 4]
        assert all(r.config["hash_sets"] == {"known": 1} for r in runs)
        warn = s.scalars(select(StageWarning).where(StageWarning.run_id == runs[1].id)).one()
        assert warn.kind == "pdq_low_quality"
    after = _material(store)
    assert after[ids["y"]].files_known == before[ids["y"]][0] - 1
    assert after[ids["x"]].files_known == before[ids["x"]][0]


def test_selected_sets_only(store: Store, settings: Settings, tmp_path: Path) -> None:
    import_hash_set(store, _known_set(tmp_path), name="known")
    other = tmp_path / "other.txt"
    other.write_text(f"{U2}\n")
    import_hash_set(store, other, name="other", default_category=None)
    ids = _operation(store)
    match.run(store, settings, "op", hash_sets=["other"])
    y = _material(store)[ids["y"]]
    assert (y.files_known, y.files_unknown) == (1, 4)
    with pytest.raises(NotFoundError, match="'missing'"):
        match.run(store, settings, "op", hash_sets=["missing"])
