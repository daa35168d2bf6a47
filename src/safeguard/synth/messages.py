"""``messages.csv``: chatter between accounts, sometimes carrying lexicon phrases.

Persons with the latent contact-offending flag use the hot categories (contact_abuse,
access_to_children) much more often; everyone else rarely does, so false positives exist.
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

__all__ = ["HOT_RATE", "MESSAGE_COLUMNS", "write_messages"]

MESSAGE_COLUMNS = ("message_id", "timestamp", "sender_account_id", "recipient_account_ids",
                   "text")  # fmt: skip
#: Share of messages carrying a hot phrase: (latent flag set, not set).
HOT_RATE = (0.30, 0.01)
OTHER_RATE = (0.05, 0.02)
_FILLER = pa.array([
    "hi there", "are you around later", "thanks for the link", "did you see the weather",
    "back online tomorrow", "long day at work", "ok sounds good", "check your inbox",
    "the connection was slow again", "talk soon", "any news", "same time next week",
    "sorry for the delay", "got it", "let me know", "see you on the usual channel",
])  # fmt: skip
_DEFECTS = (
    Defect(("timestamp",), "31/02/2020 10:00"),
    Defect(("sender_account_id",), UNKNOWN_ACCOUNT),
)


def _texts(rng: np.random.Generator, ctx: EventContext, flagged: NDArray[np.bool_]) -> pa.Array:
    n = len(flagged)
    hot = pa.array(list(ctx.lexicon.phrases(hot=True)))
    other = pa.array(list(ctx.lexicon.phrases(hot=False)) or ctx.lexicon.phrases(hot=True))
    phrases = pa.concat_arrays([hot, other])
    r = rng.random(n)
    hot_rate = np.where(flagged, HOT_RATE[0], HOT_RATE[1])
    other_rate = np.where(flagged, OTHER_RATE[0], OTHER_RATE[1])
    use_hot = r < hot_rate
    use_other = (r >= hot_rate) & (r < hot_rate + other_rate)
    pick = np.where(
        use_hot, rng.integers(0, len(hot), n), len(hot) + rng.integers(0, len(other), n)
    )
    a = _FILLER.take(pa.array(rng.integers(0, len(_FILLER), n)))
    b = _FILLER.take(pa.array(rng.integers(0, len(_FILLER), n)))
    with_phrase = pc.binary_join_element_wise(a, phrases.take(pa.array(pick)), b, " ")
    return pc.if_else(
        pa.array(use_hot | use_other), with_phrase, pc.binary_join_element_wise(a, b, " ")
    )


def _recipients(rng: np.random.Generator, ctx: EventContext, acct: NDArray[np.int64]) -> pa.Array:
    n = len(acct)
    first = rng.integers(0, CONTACTS, n)
    second = (first + 1 + rng.integers(0, CONTACTS - 1, n)) % CONTACTS
    ids = ctx.accounts.platform_id
    one = ids.take(pa.array(ctx.accounts.contacts[acct, first]))
    two = ids.take(pa.array(ctx.accounts.contacts[acct, second]))
    both = pc.binary_join_element_wise(one, two, " ")
    return pc.if_else(pa.array(rng.random(n) < 0.2), both, one)


def _message_chunk(
    ctx: EventContext, k: int, chunk: NDArray[np.int64], first_id: int
) -> tuple[dict[str, pa.Array], int]:
    rng = chunk_rng(ctx.seed, 3, k)
    acct = repeat_accounts(ctx.counts["messages"], chunk)
    n = len(acct)
    cols = {
        "message_id": sequence_ids("M", first_id, n),
        "timestamp": iso_timestamps(rng.integers(WINDOW_START, WINDOW_END, n)),
        "sender_account_id": ctx.accounts.platform_id.take(pa.array(acct)),
        "recipient_account_ids": _recipients(rng, ctx, acct),
        "text": _texts(rng, ctx, ctx.persons.contact[ctx.accounts.person[acct]]),
    }
    return cols, corrupt(rng, cols, ctx.bad_rows, _DEFECTS)


def write_messages(path: Path, ctx: EventContext, task: ProgressTask) -> tuple[int, int]:
    """Write messages.csv; returns (rows, deliberately bad rows)."""
    with TableWriter(path, MESSAGE_COLUMNS) as writer:
        bad = write_chunks(
            writer,
            ctx.counts["messages"],
            lambda k, chunk, rows: _message_chunk(ctx, k, chunk, rows),
            task,
        )
        return writer.rows, bad
