"""Shared machinery of the event tables: per-account counts, chunking, deliberate bad rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from safeguard.progress import ProgressTask
from safeguard.synth.accounts import Accounts
from safeguard.synth.lexicon import Lexicon
from safeguard.synth.network import Network
from safeguard.synth.persons import Persons
from safeguard.synth.tables import TableWriter
from safeguard.synth.universe import Universe
from safeguard.synth.world import COUNTRIES

__all__ = ["TABLE_SHARES", "Defect", "EventContext", "chunks", "corrupt", "sequence_ids"]

#: How an account's events split between the three event tables.
TABLE_SHARES = {"logins": 0.35, "files": 0.50, "messages": 0.15}
_CHUNK_EVENTS = 400_000
UNKNOWN_ACCOUNT = "u00000000"


@dataclass(frozen=True)
class Defect:
    """A deliberate fault: set ``columns`` to ``value`` (``None`` = empty cell)."""

    columns: tuple[str, ...]
    value: str | None


@dataclass
class EventContext:
    seed: int
    persons: Persons
    accounts: Accounts
    network: Network
    universe: Universe
    lexicon: Lexicon
    bad_rows: float
    counts: dict[str, NDArray[np.int64]]  # table → events per account

    def country_index(self) -> NDArray[np.int64]:
        """Person → index into COUNTRIES (-1 for the UK)."""
        index = {c.iso: k for k, c in enumerate(COUNTRIES)}
        return np.array([index.get(str(c), -1) for c in self.persons.country], dtype=np.int64)


def event_counts(
    rng: np.random.Generator, persons: Persons, accounts: Accounts, per_account: int
) -> dict[str, NDArray[np.int64]]:
    """Events per account and table; busy persons' accounts are busier (mean preserved)."""
    activity = persons.activity[accounts.person]
    lam = per_account * activity / float(activity.mean())
    out = {t: rng.poisson(lam * share).astype(np.int64) for t, share in TABLE_SHARES.items()}
    out["logins"] += 1  # every account logged in at least once
    return out


def chunks(counts: NDArray[np.int64]) -> Iterator[tuple[int, NDArray[np.int64]]]:
    """Consecutive account ranges holding about ``_CHUNK_EVENTS`` events each."""
    total = np.cumsum(counts)
    start, k = 0, 0
    while start < len(counts):
        base = int(total[start - 1]) if start else 0
        stop = int(np.searchsorted(total, base + _CHUNK_EVENTS, side="right"))
        stop = max(stop, start + 1)
        yield k, np.arange(start, min(stop, len(counts)), dtype=np.int64)
        start, k = stop, k + 1


def chunk_rng(seed: int, table: int, chunk: int) -> np.random.Generator:
    """An independent, reproducible generator for one chunk of one table."""
    return np.random.default_rng([seed, table, chunk])


def corrupt(
    rng: np.random.Generator,
    columns: dict[str, pa.Array],
    fraction: float,
    defects: tuple[Defect, ...],
) -> int:
    """Make about ``fraction`` of rows malformed in place; returns how many."""
    n = len(next(iter(columns.values())))
    bad = rng.random(n) < fraction
    kind = rng.integers(0, len(defects), n)
    for k, defect in enumerate(defects):
        rows = bad & (kind == k)
        if not rows.any():
            continue
        mask = pa.array(rows)
        for name in defect.columns:
            col = columns[name]
            if col.type != pa.string():
                col = pc.cast(col, pa.string())
            columns[name] = pc.if_else(mask, pa.scalar(defect.value, pa.string()), col)
    return int(bad.sum())


def sequence_ids(prefix: str, start: int, n: int) -> pa.Array:
    """``prefix`` + zero-padded running numbers: F0000000001, F0000000002, …"""
    numbers = pc.cast(pa.array(np.arange(start + 1, start + n + 1, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(numbers, 10, "0"), "")


def repeat_accounts(counts: NDArray[np.int64], chunk: NDArray[np.int64]) -> NDArray[np.int64]:
    return np.repeat(chunk, counts[chunk])


#: Makes one chunk of a table: (chunk index, its accounts' event counts, rows written so far)
#: -> (columns, deliberately bad rows among them).
ChunkMaker = Callable[[int, NDArray[np.int64], int], tuple[dict[str, pa.Array], int]]


def write_chunks(
    writer: TableWriter, counts: NDArray[np.int64], make: ChunkMaker, task: ProgressTask
) -> int:
    """Write the chunks ``make`` returns for each account range; return the bad rows."""
    bad = 0
    for k, chunk in chunks(counts):
        cols, n_bad = make(k, chunk, writer.rows)
        before = writer.rows
        writer.write(cols)
        bad += n_bad
        task.advance(writer.rows - before)
    return bad
