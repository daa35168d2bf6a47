"""A small synthetic operation taken through the whole pipeline, for e2e, web and browser tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from safeguard import synth
from safeguard.config import Settings
from safeguard.pipeline import run_pipeline, synth_inputs
from safeguard.store.db import Store
from safeguard.track import OperationSummary

__all__ = ["SmallOperation", "build_small_operation"]

SEED = 11
ACCOUNTS = 400


@dataclass(frozen=True)
class SmallOperation:
    name: str
    settings: Settings
    store: Store
    synth_dir: Path
    summary: OperationSummary


def build_small_operation(
    root: Path, *, url: str | None = None, accounts: int = ACCOUNTS, seed: int = SEED
) -> SmallOperation:
    synth_dir = root / "synth"
    synth.generate(synth_dir, accounts=accounts, seed=seed, events_per_account=30)
    settings = Settings(data_dir=root / "data", database_url=url or "", user="tester")
    store = Store.open(settings)
    summary = run_pipeline(store, settings, "small", synth_inputs(synth_dir), user="tester")
    return SmallOperation("small", settings, store, synth_dir, summary)
