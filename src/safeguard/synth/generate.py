"""Compose the generator: people → addresses → files → tables, written under one directory."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from safeguard.errors import ConfigError
from safeguard.progress import NULL_PROGRESS, Progress
from safeguard.synth.account_tables import write_accounts, write_identifiers
from safeguard.synth.accounts import Accounts, draw_accounts
from safeguard.synth.cybertip import write_cybertipline
from safeguard.synth.enrichment import write_checks, write_register
from safeguard.synth.events import EventContext, event_counts
from safeguard.synth.geoipdb import write_geoip
from safeguard.synth.hashsets import write_hashsets
from safeguard.synth.lexicon import load_lexicon
from safeguard.synth.logins import write_logins
from safeguard.synth.messages import write_messages
from safeguard.synth.network import Network, plan_network
from safeguard.synth.outputs import ground_truth, write_json, write_json_rows, write_manifest
from safeguard.synth.params import SynthParams
from safeguard.synth.persons import Persons, draw_persons
from safeguard.synth.transfers import write_files
from safeguard.synth.universe import Universe, draw_universe

__all__ = ["DELIVERY_TABLES", "SynthSummary", "generate"]

DELIVERY_TABLES = ("accounts.csv", "logins.csv", "files.csv", "messages.csv", "identifiers.csv")


@dataclass
class SynthSummary:
    """What was written (``seconds`` is not part of any output file)."""

    out: Path
    accounts: int
    persons: int
    uk_persons: int
    rows: dict[str, int] = field(default_factory=dict)
    bad_rows: dict[str, int] = field(default_factory=dict)
    cybertipline_reports: int = 0
    seconds: float = 0.0

    @property
    def events(self) -> int:
        return sum(self.rows.get(t, 0) for t in ("logins.csv", "files.csv", "messages.csv"))

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["out"] = str(self.out)
        out["events"] = self.events
        return out


def _prepare(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()):
        raise ConfigError(f"{out} is not empty; choose a new directory")
    delivery = out / "delivery"
    delivery.mkdir(parents=True, exist_ok=True)
    return delivery


def _write_events(
    ctx: EventContext, delivery: Path, summary: SynthSummary, progress: Progress
) -> None:
    writers = (("logins.csv", write_logins, "logins"), ("files.csv", write_files, "files"),
               ("messages.csv", write_messages, "messages"))  # fmt: skip
    for name, writer, table in writers:
        total = int(ctx.counts[table].sum())
        if table == "files":
            total += ctx.universe.n_unknown
        with progress.task(f"Writing {name}", total=total) as task:
            rows, bad = writer(delivery / name, ctx, task)
        summary.rows[name] = rows
        summary.bad_rows[name] = bad


@dataclass
class _World:
    persons: Persons
    net: Network
    acc: Accounts


def _draw(rng: np.random.Generator, params: SynthParams, progress: Progress) -> _World:
    with progress.task("Drawing persons, accounts and addresses", total=3) as task:
        persons = draw_persons(rng, params.accounts, params.uk_share)
        task.advance()
        net = plan_network(rng, persons)
        task.advance()
        acc = draw_accounts(rng, persons)
        task.advance()
    return _World(persons, net, acc)


def _write_reference(
    out: Path, rng: np.random.Generator, w: _World, summary: SynthSummary, progress: Progress
) -> tuple[Universe, list[int]]:
    """Hash sets, GeoIP, account tables, checks and register; returns files and registered."""
    delivery = out / "delivery"
    with progress.task("Writing hash sets, GeoIP and account tables", total=4) as task:
        producers = np.flatnonzero(w.persons.producer[w.acc.person]).astype(np.int64)
        universe = draw_universe(rng, w.acc.n, producers)
        write_hashsets(out / "hashsets", universe, rng)
        task.advance()
        write_geoip(out / "geoip", w.net.ranges)
        task.advance()
        rows, profiles = write_accounts(delivery / "accounts.csv", rng, w.persons, w.acc, w.net)
        summary.rows["accounts.csv"] = rows
        summary.rows["identifiers.csv"] = write_identifiers(
            delivery / "identifiers.csv", rng, w.persons, w.acc, profiles
        )
        task.advance()
        summary.rows["checks.csv"] = write_checks(out / "checks.csv", rng, w.persons)
        rows, registered = write_register(out / "register.csv", rng, w.persons)
        summary.rows["register.csv"] = rows
        task.advance()
    return universe, registered


def generate(
    out: Path,
    *,
    accounts: int,
    seed: int,
    events_per_account: int = 100,
    uk_share: float = 0.35,
    bad_rows: float = 0.001,
    lexicon: Path | None = None,
    progress: Progress = NULL_PROGRESS,
) -> SynthSummary:
    """Write a complete synthetic operation under ``out`` (which must be new or empty)."""
    params = SynthParams(accounts, seed, events_per_account, uk_share, bad_rows, lexicon)
    params.validate()
    lex = load_lexicon(lexicon)
    started = time.perf_counter()
    delivery = _prepare(out)
    rng = np.random.default_rng([seed, 0])
    w = _draw(rng, params, progress)
    summary = SynthSummary(out, w.acc.n, w.persons.n, int(w.persons.uk.sum()))
    universe, registered = _write_reference(out, rng, w, summary, progress)
    counts = event_counts(rng, w.persons, w.acc, events_per_account)
    ctx = EventContext(seed, w.persons, w.acc, w.net, universe, lex, bad_rows, counts)
    _write_events(ctx, delivery, summary, progress)
    with progress.task("Writing CyberTipline reports", total=1) as task:
        # a stream of its own, so the other outputs do not change with it
        summary.cybertipline_reports = write_cybertipline(
            out / "cybertipline", np.random.default_rng([seed, 1]), (w.persons, w.acc, w.net),
            universe,
        )  # fmt: skip
        task.advance()
    with progress.task("Checksums and ground truth", total=2) as task:
        write_manifest(delivery, list(DELIVERY_TABLES))
        task.advance()
        truth = ground_truth(seed, w.persons, w.acc, w.net, lexicon=lex.source,
                             registered=registered)  # fmt: skip
        write_json_rows(out / "ground_truth.json", truth)
        _write_synth_json(
            out, params, lex.source, summary, known=universe.n_known, unknown=universe.n_unknown
        )
        task.advance()
    summary.seconds = time.perf_counter() - started
    return summary


def _write_synth_json(
    out: Path, params: SynthParams, lexicon: str, summary: SynthSummary, *, known: int, unknown: int
) -> None:
    write_json(out / "synth.json", {
        "generator": "safeguard.synth",
        "parameters": {
            "accounts": params.accounts, "seed": params.seed,
            "events_per_account": params.events_per_account, "uk_share": params.uk_share,
            "bad_rows": params.bad_rows, "lexicon": lexicon,
        },
        "counts": {
            "accounts": summary.accounts, "persons": summary.persons,
            "uk_persons": summary.uk_persons, "events": summary.events,
            "known_files": known, "unknown_files": unknown,
            "cybertipline_reports": summary.cybertipline_reports,
            "rows": summary.rows,
        },
        "bad_rows": summary.bad_rows,
    })  # fmt: skip
