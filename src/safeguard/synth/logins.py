"""``logins.csv``: where and from what each account logged in.

Most logins come from the person's home address; UK persons also use mobile carriers,
travellers log in from abroad for a minority of sessions, and some persons hide behind
VPN, Tor or hosting exits that many unrelated persons share.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from safeguard.progress import ProgressTask
from safeguard.synth.events import (
    UNKNOWN_ACCOUNT,
    Defect,
    EventContext,
    chunk_rng,
    corrupt,
    repeat_accounts,
    write_chunks,
)
from safeguard.synth.params import WINDOW_END, WINDOW_START
from safeguard.synth.tables import TableWriter, iso_timestamps
from safeguard.synth.world import COUNTRIES

__all__ = ["LOGIN_COLUMNS", "write_logins"]

LOGIN_COLUMNS = ("account_id", "timestamp", "ip", "event", "port", "user_agent", "device_id")
_USER_AGENTS = pa.array([
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) SynthBrowser/80.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15) SynthBrowser/79.0",
    "Mozilla/5.0 (X11; Linux x86_64) SynthBrowser/78.0",
    "SynthApp/3.2 (Android 10)",
    "SynthApp/3.1 (iOS 13.4)",
])  # fmt: skip
_KINDS = pa.array(["login", "upload", "other", "registration"])
_DEFECTS = (
    Defect(("timestamp",), "2020-13-45T25:61:00Z"),
    Defect(("account_id",), UNKNOWN_ACCOUNT),
    Defect(("ip",), "300.12.7.999"),
)


def _pool_pick(rng: np.random.Generator, pool: tuple[int, int], n: int) -> NDArray[np.int64]:
    start, count = pool
    return start + rng.integers(0, count, n)


def _ip_index(
    rng: np.random.Generator,
    ctx: EventContext,
    person: NDArray[np.int64],
    country_idx: NDArray[np.int64],
) -> NDArray[np.int64]:
    p, net = ctx.persons, ctx.network
    n = len(person)
    u = rng.random(n)
    uk = country_idx[person] < 0
    roam_start = np.array([net.roaming[c.iso][0] for c in COUNTRIES], dtype=np.int64)
    roam_n = np.array([net.roaming[c.iso][1] for c in COUNTRIES], dtype=np.int64)
    travel_to = p.travel_to[person]
    own = np.where(uk, travel_to, country_idx[person])
    ip = net.home[person].copy()
    mobile = u < 0.12
    ip[mobile & uk] = _pool_pick(rng, net.pools["mobile"], int((mobile & uk).sum()))
    local = mobile & ~uk
    ip[local] = roam_start[own[local]] + rng.integers(0, roam_n[own[local]])
    abroad = p.traveller[person] & uk & (u >= 0.12) & (u < 0.26)
    ip[abroad] = roam_start[travel_to[abroad]] + rng.integers(0, roam_n[travel_to[abroad]])
    hidden = p.anonymiser[person] & (u >= 0.55)
    which = rng.choice(3, size=n, p=[0.7, 0.2, 0.1])
    for k, kind in enumerate(("vpn", "tor", "hosting")):
        rows = hidden & (which == k)
        ip[rows] = _pool_pick(rng, net.pools[kind], int(rows.sum()))
    return ip


def _login_chunk(
    ctx: EventContext, k: int, chunk: NDArray[np.int64], country_idx: NDArray[np.int64]
) -> tuple[dict[str, pa.Array], int]:
    rng = chunk_rng(ctx.seed, 1, k)
    counts = ctx.counts["logins"]
    acct = repeat_accounts(counts, chunk)
    person = ctx.accounts.person[acct]
    n = len(acct)
    ts = rng.integers(WINDOW_START, WINDOW_END, n)
    kind = rng.choice(3, size=n, p=[0.85, 0.08, 0.07])
    first = np.concatenate([[0], np.cumsum(counts[chunk])[:-1]])
    kind[first] = 3
    ts[first] = np.maximum(ctx.accounts.created[chunk], WINDOW_START - 86400 * 730)
    ip = _ip_index(rng, ctx, person, country_idx)
    ip[first] = ctx.network.home[person[first]]  # accounts are registered from home
    second = ctx.persons.devices[person, 1]
    use_second = (second != "") & (rng.random(n) < 0.15)
    devices = np.where(use_second, second, np.asarray(ctx.accounts.device, dtype=object)[acct])
    cols: dict[str, pa.Array] = {
        "account_id": ctx.accounts.platform_id.take(pa.array(acct)),
        "timestamp": iso_timestamps(ts),
        "ip": ctx.network.ips.take(pa.array(ip)),
        "event": _KINDS.take(pa.array(kind)),
        "port": pc.cast(pa.array(rng.integers(1024, 65536, n)), pa.string()),
        "user_agent": _USER_AGENTS.take(pa.array(rng.integers(0, len(_USER_AGENTS), n))),
        "device_id": pa.array(devices, pa.string()),
    }
    return cols, corrupt(rng, cols, ctx.bad_rows, _DEFECTS)


def write_logins(path: Path, ctx: EventContext, task: ProgressTask) -> tuple[int, int]:
    """Write logins.csv; returns (rows, deliberately bad rows)."""
    country_idx = ctx.country_index()
    with TableWriter(path, LOGIN_COLUMNS) as writer:
        bad = write_chunks(
            writer,
            ctx.counts["logins"],
            lambda k, chunk, _rows: _login_chunk(ctx, k, chunk, country_idx),
            task,
        )
        return writer.rows, bad
