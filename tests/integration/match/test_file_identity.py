"""One file across every hash it is known by; a first upload needs no earlier holder.

An independent scenario, written by hand: the expected counts are worked out below from the
rule ("a file is one file across md5/sha1/sha256 seen together on an event or an entry"),
not from the code's output. A false "possible new production" flag is a due-process defect.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from safeguard import match
from safeguard.config import Settings
from safeguard.hashsets import import_hash_set
from safeguard.store.db import Store
from safeguard.store.models import Account, AccountMaterial, Delivery, FileEvent
from tests.unit.hashsets.samples import rand_hex

T0 = datetime(2022, 6, 1, 9, 0, tzinfo=UTC)
RNG = random.Random(1009)
# F: unknown file reported once with md5 + sha256, later with md5 only.
F_MD5, F_SHA256 = rand_hex(RNG, 32), rand_hex(RNG, 64)
# G: unknown file first downloaded (sha256 only), later uploaded (sha256 + sha1).
G_SHA256, G_SHA1 = rand_hex(RNG, 64), rand_hex(RNG, 40)
# K: known (category A) by an entry holding md5 + sha256; events carry one each.
K_MD5, K_SHA256 = rand_hex(RNG, 32), rand_hex(RNG, 64)

EVENTS: list[tuple[str, int, str, dict[str, Any]]] = [  # account, minutes, direction, hashes
    ("first", 0, "upload", {"md5": F_MD5, "sha256": F_SHA256}),
    ("later", 60, "upload", {"md5": F_MD5.upper()}),  # the same file F, md5 only
    ("later", 70, "share", {"md5": F_MD5}),
    ("first", 80, "download", {"sha256": F_SHA256}),
    ("first", 90, "share", {"md5": F_MD5}),
    ("fetcher", 10, "download", {"sha256": G_SHA256}),
    ("late_g", 20, "upload", {"sha256": G_SHA256, "sha1": G_SHA1}),
    ("known", 30, "upload", {"md5": K_MD5}),
    ("known", 40, "download", {"sha256": K_SHA256}),
]


def _operation(store: Store) -> dict[str, int]:
    op_id = store.operation_id("op", create=True)
    with store.session() as s:
        d = Delivery(operation_id=op_id, format="test", checksum="d" * 64)
        s.add(d)
        s.flush()
        ids: dict[str, int] = {}
        for name in ("first", "later", "fetcher", "late_g", "known"):
            a = Account(
                operation_id=op_id, delivery_id=d.id, platform="p", platform_account_id=name
            )
            s.add(a)
            s.flush()
            ids[name] = a.id
        for i, (who, minutes, direction, hashes) in enumerate(EVENTS):
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


def _material(store: Store, ids: dict[str, int]) -> dict[str, AccountMaterial]:
    with store.session() as s:
        rows = {m.account_id: m for m in s.scalars(select(AccountMaterial))}
    return {name: rows[i] for name, i in ids.items()}


def _run(store: Store, settings: Settings, tmp_path: Path) -> dict[str, AccountMaterial]:
    known = tmp_path / "known.csv"
    known.write_text(f"md5,sha1,sha256,pdq,category\n{K_MD5},,{K_SHA256},,A\n")
    import_hash_set(store, known, name="known")
    ids = _operation(store)
    match.run(store, settings, "op")
    return _material(store, ids)


def test_a_later_md5_only_report_is_not_a_first_upload(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    m = _run(store, settings, tmp_path)
    assert m["first"].first_uploads_unknown == 1
    assert m["first"].detail["first_upload_unknown_files"] == [F_SHA256]
    assert m["later"].first_uploads_unknown == 0  # F was held earlier, under its sha256
    # One file each, though "first" saw it under md5+sha256, sha256 alone and md5 alone.
    assert (m["first"].files_unknown, m["later"].files_unknown) == (1, 1)
    assert (m["first"].uploads, m["first"].downloads, m["first"].shares) == (1, 1, 1)


def test_an_earlier_download_rules_out_a_first_upload(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    m = _run(store, settings, tmp_path)
    assert m["late_g"].first_uploads_unknown == 0  # G was on the platform before it
    assert m["fetcher"].first_uploads_unknown == 0  # a download is no upload
    assert m["late_g"].files_unknown == 1 and m["fetcher"].files_unknown == 1


def test_an_entry_joins_the_hashes_it_holds(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    m = _run(store, settings, tmp_path)
    k = m["known"]
    assert (k.files_a, k.files_unknown, k.events_a) == (1, 0, 2)


def test_only_the_true_first_uploader_is_a_possible_producer(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    m = _run(store, settings, tmp_path)
    producers = sorted(name for name, row in m.items() if row.first_uploads_unknown)
    assert producers == ["first"]
