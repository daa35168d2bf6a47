"""Per-account material summary, aggregated with numpy over millions of file events.

A *file* is one file across every exact hash it is known by (:mod:`safeguard.match.files`):
an event with md5 + sha256 and a later one with the md5 alone hold the same file. A file's
category is the most severe of all its events' matches (A > B > C > uncategorised >
non-pertinent); a file with no match is *unknown*. An upload of an unknown file marks its
uploader as a possible producer only when no event of the operation holds that file (under
any of its hashes) earlier; of uploads at that same earliest time, the lowest event id's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from safeguard.match.engine import SEVERITY, Matches
from safeguard.match.events import DIRECTIONS, EventTable
from safeguard.match.files import file_of_variants
from safeguard.records import Category, Direction

__all__ = ["MAX_LISTED_FILES", "UNKNOWN", "AccountSummary", "known_columns", "summarise"]

#: Category code of a file in no set (after the codes of :data:`SEVERITY`).
UNKNOWN = len(SEVERITY)
_NCAT = UNKNOWN + 1
_NP = SEVERITY.index(Category.NON_PERTINENT)
#: At most this many first-uploaded unknown files are listed per account in ``detail``.
MAX_LISTED_FILES = 100


@dataclass(frozen=True)
class AccountSummary:
    """Row ``i`` of every array describes ``account_ids[i]``."""

    account_ids: np.ndarray
    files: np.ndarray  # (n, 6) distinct files by category code (UNKNOWN last)
    events: np.ndarray  # (n, 6) events by their file's category code
    directions: np.ndarray  # (n, 3) events by direction code
    first_seen: np.ndarray  # int64 µs, or INT64 min when no events
    last_seen: np.ndarray
    first_uploads_unknown: np.ndarray
    first_upload_files: dict[int, list[str]]
    event_category: np.ndarray  # per event: category code of its file

    @property
    def has_events(self) -> np.ndarray:
        return np.asarray(self.events.sum(axis=1) > 0)


def _per_account(acc: np.ndarray, codes: np.ndarray, n_acc: int, width: int) -> np.ndarray:
    ok = codes >= 0
    flat = acc[ok] * width + codes[ok].astype(np.int64)
    return np.bincount(flat, minlength=n_acc * width).reshape(n_acc, width)


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (sort-based: numpy's hash-based ``unique`` is ~15x slower on
    a million int64 keys)."""
    out = np.sort(values)
    keep = np.ones(len(out), dtype=np.bool_)
    keep[1:] = out[1:] != out[:-1]
    return out[keep]


def _file_index(events: EventTable, matches: Matches) -> tuple[np.ndarray, list[str]]:
    """Each event's file (a row of the returned keys)."""
    var_file, keys = file_of_variants(events.variants, matches)
    file_idx = var_file[events.variant]
    own = np.flatnonzero(file_idx < 0)
    if own.size == 0:
        return file_idx, keys
    # an event without any hash is a file of its own; keep files in first-seen order
    file_idx[own] = len(keys) + np.arange(own.size)
    keys += [f"event:{i}" for i in events.event_id[own].tolist()]
    files, first = np.unique(file_idx, return_index=True)
    order = files[np.argsort(first)]
    renumber = np.empty(len(keys), dtype=np.int64)
    renumber[order] = np.arange(len(order))
    return renumber[file_idx], [keys[i] for i in order.tolist()]


def _first_uploads(events: EventTable, file_idx: np.ndarray, file_cat: np.ndarray) -> np.ndarray:
    """Row of the first upload of each unknown file that no event holds earlier (of uploads
    at the file's earliest time, the lowest event id)."""
    upload = DIRECTIONS.index(Direction.UPLOAD)
    earliest = np.full(int(file_idx.max()) + 1 if file_idx.size else 0, np.iinfo(np.int64).max)
    np.minimum.at(earliest, file_idx, events.ts)
    unknown = file_cat[file_idx] == UNKNOWN
    rows = np.flatnonzero(
        (events.direction == upload) & unknown & (events.ts == earliest[file_idx])
    )
    order = np.lexsort((events.event_id[rows], events.ts[rows], file_idx[rows]))
    rows = rows[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = file_idx[rows][1:] != file_idx[rows][:-1]
    return rows[first]


def _seen(acc: np.ndarray, ts: np.ndarray, n_acc: int) -> tuple[np.ndarray, np.ndarray]:
    info = np.iinfo(np.int64)
    first = np.full(n_acc, info.max, dtype=np.int64)
    last = np.full(n_acc, info.min, dtype=np.int64)
    np.minimum.at(first, acc, ts)
    np.maximum.at(last, acc, ts)
    return first, last


def summarise(
    events: EventTable, matches: Matches, entry_category: np.ndarray, account_ids: np.ndarray
) -> AccountSummary:
    """Aggregate ``events`` per account of ``account_ids`` (sorted); ``matches`` are of
    the events' variants (query rows are variant rows)."""
    n_acc = len(account_ids)
    acc = np.searchsorted(account_ids, events.account_id)
    variant_cat = np.full(len(events.variants), UNKNOWN, dtype=np.int8)
    np.minimum.at(variant_cat, matches.query_row, entry_category[matches.entry_row])
    event_cat = variant_cat[events.variant]
    file_idx, keys = _file_index(events, matches)
    file_cat = np.full(len(keys), UNKNOWN, dtype=np.int8)
    np.minimum.at(file_cat, file_idx, event_cat)
    pairs = _distinct(acc * max(len(keys), 1) + file_idx)
    pair_acc, pair_file = pairs // max(len(keys), 1), pairs % max(len(keys), 1)
    firsts = _first_uploads(events, file_idx, file_cat)
    listed: dict[int, list[str]] = {}
    for row in firsts[np.argsort(acc[firsts], kind="stable")]:
        files = listed.setdefault(int(acc[row]), [])
        if len(files) < MAX_LISTED_FILES:
            files.append(keys[file_idx[row]])
    first, last = _seen(acc, events.ts, n_acc)
    return AccountSummary(
        account_ids=account_ids,
        files=_per_account(pair_acc, file_cat[pair_file], n_acc, _NCAT),
        events=_per_account(acc, file_cat[file_idx], n_acc, _NCAT),
        directions=_per_account(acc, events.direction, n_acc, len(DIRECTIONS)),
        first_seen=first,
        last_seen=last,
        first_uploads_unknown=np.bincount(acc[firsts], minlength=n_acc),
        first_upload_files=listed,
        event_category=file_cat[file_idx],
    )


def known_columns(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Known (any abuse or uncategorised set), unknown and non-pertinent totals per row."""
    return counts[:, :_NP].sum(axis=1), counts[:, UNKNOWN], counts[:, _NP]
