"""``files.csv``: uploads, downloads and shares of known, re-encoded and unknown files.

Each unknown file is first uploaded by one producer account (a final batch of rows); other
accounts download or share it later, often naming that account as the counterpart.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from safeguard.progress import ProgressTask
from safeguard.synth.accounts import CONTACTS
from safeguard.synth.events import (
    UNKNOWN_ACCOUNT,
    Defect,
    EventContext,
    chunk_rng,
    corrupt,
    repeat_accounts,
    sequence_ids,
    write_chunks,
)
from safeguard.synth.params import WINDOW_END, WINDOW_START
from safeguard.synth.tables import TableWriter, iso_timestamps

__all__ = ["FILE_COLUMNS", "write_files"]

FILE_COLUMNS = (
    "event_id", "account_id", "timestamp", "direction", "counterpart_account_id", "file_name",
    "file_size", "md5", "sha1", "sha256", "pdq", "pdq_quality", "media_type",
)  # fmt: skip
_UNIVERSE_COLUMNS = FILE_COLUMNS[5:]
_DIRECTIONS = pa.array(["upload", "download", "share"])
_DEFECTS = (
    Defect(("timestamp",), "not-a-date"),
    Defect(("account_id",), UNKNOWN_ACCOUNT),
    Defect(("md5", "sha1", "sha256", "pdq"), None),
)


def _known(
    rng: np.random.Generator, ctx: EventContext, person: NDArray[np.int64]
) -> NDArray[np.int64]:
    """A known file per event; persons with more severity pick more Category A."""
    u = ctx.universe
    s = ctx.persons.severity[person]
    p_a, p_b, p_c = 0.04 + 0.55 * s, 0.25 - 0.1 * s, 0.56 - 0.4 * s
    r = rng.random(len(person))
    cat = np.where(r < p_a, 0, np.where(r < p_a + p_b, 1, np.where(r < p_a + p_b + p_c, 2, 3)))
    return u.cat_start[cat] + (rng.random(len(person)) * u.cat_count[cat]).astype(np.int64)


def _pick_files(
    rng: np.random.Generator, ctx: EventContext, person: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Universe index of each event's file, and whether it is an unknown file."""
    u = ctx.universe
    n = len(person)
    r = rng.random(n)
    unknown = (r < 0.06) & (u.n_unknown > 0)
    variant = (r >= 0.06) & (r < 0.10) & (u.n_variant > 0)
    index = _known(rng, ctx, person)
    index[variant] = u.n_known + rng.integers(0, max(u.n_variant, 1), int(variant.sum()))
    base = u.n_known + u.n_variant
    index[unknown] = base + rng.integers(0, max(u.n_unknown, 1), int(unknown.sum()))
    return index, unknown


def _universe_columns(ctx: EventContext, index: NDArray[np.int64]) -> dict[str, pa.Array]:
    take = pa.array(index)
    return {c: ctx.universe.columns[c].take(take) for c in _UNIVERSE_COLUMNS}


def _transfer_chunk(
    ctx: EventContext, k: int, chunk: NDArray[np.int64], first_id: int
) -> tuple[dict[str, pa.Array], int]:
    rng = chunk_rng(ctx.seed, 2, k)
    acct = repeat_accounts(ctx.counts["files"], chunk)
    n = len(acct)
    index, unknown = _pick_files(rng, ctx, ctx.accounts.person[acct])
    base = ctx.universe.n_known + ctx.universe.n_variant
    origin = ctx.universe.origin[np.where(unknown, index - base, 0)]
    first_seen = ctx.universe.first_seen[np.where(unknown, index - base, 0)]
    ts = rng.integers(WINDOW_START, WINDOW_END, n)
    later = first_seen + rng.integers(3600, 90 * 86400, n)
    ts = np.where(unknown, np.minimum(later, WINDOW_END), ts)
    direction = rng.choice(3, size=n, p=[0.3, 0.45, 0.25])
    direction[unknown] = rng.choice([1, 2], size=int(unknown.sum()), p=[0.6, 0.4])
    counterpart = ctx.accounts.contacts[acct, rng.integers(0, CONTACTS, n)]
    from_origin = unknown & (direction == 1) & (rng.random(n) < 0.5) & (origin != acct)
    counterpart = np.where(from_origin, origin, counterpart)
    cp = ctx.accounts.platform_id.take(pa.array(counterpart))
    cols = {
        "event_id": sequence_ids("F", first_id, n),
        "account_id": ctx.accounts.platform_id.take(pa.array(acct)),
        "timestamp": iso_timestamps(ts),
        "direction": _DIRECTIONS.take(pa.array(direction)),
        "counterpart_account_id": _null_where(cp, direction == 0),
        **_universe_columns(ctx, index),
    }
    return cols, corrupt(rng, cols, ctx.bad_rows, _DEFECTS)


def _null_where(values: pa.Array, mask: NDArray[np.bool_]) -> pa.Array:
    return pc.if_else(pa.array(mask), pa.scalar(None, pa.string()), values)


def _origin_uploads(ctx: EventContext, first_id: int) -> dict[str, pa.Array]:
    """The first upload of every unknown file, by the producer account that made it."""
    u = ctx.universe
    n = u.n_unknown
    index = u.n_known + u.n_variant + np.arange(n, dtype=np.int64)
    return {
        "event_id": sequence_ids("F", first_id, n),
        "account_id": ctx.accounts.platform_id.take(pa.array(u.origin)),
        "timestamp": iso_timestamps(u.first_seen),
        "direction": pa.array(["upload"] * n),
        "counterpart_account_id": pa.nulls(n, pa.string()),
        **_universe_columns(ctx, index),
    }


def write_files(path: Path, ctx: EventContext, task: ProgressTask) -> tuple[int, int]:
    """Write files.csv; returns (rows, deliberately bad rows)."""
    with TableWriter(path, FILE_COLUMNS) as writer:
        bad = write_chunks(
            writer,
            ctx.counts["files"],
            lambda k, chunk, rows: _transfer_chunk(ctx, k, chunk, rows),
            task,
        )
        if ctx.universe.n_unknown:
            writer.write(_origin_uploads(ctx, writer.rows))
            task.advance(ctx.universe.n_unknown)
        return writer.rows, bad
