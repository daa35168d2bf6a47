"""Parameters of a synthetic operation, validated once before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from safeguard.errors import ConfigError

__all__ = ["PRODUCED_AT", "WINDOW_END", "WINDOW_START", "SynthParams"]

#: The operation's activity window, seconds since the epoch (2019-01-01 .. 2020-04-30 UTC).
WINDOW_START = 1_546_300_800
WINDOW_END = 1_588_204_800
#: When the synthetic partner "produced" the delivery; also the mmdb build epoch.
PRODUCED_AT = "2020-05-01T00:00:00Z"
PRODUCED_EPOCH = 1_588_291_200

MAX_ACCOUNTS = 5_000_000


@dataclass(frozen=True)
class SynthParams:
    """What to generate. The same parameters always give byte-identical files."""

    accounts: int
    seed: int
    events_per_account: int = 100
    uk_share: float = 0.35
    bad_rows: float = 0.001
    lexicon: Path | None = None

    def validate(self) -> None:
        """Raise :class:`ConfigError` with a readable message for an impossible request."""
        if not 10 <= self.accounts <= MAX_ACCOUNTS:
            raise ConfigError(f"--accounts must be between 10 and {MAX_ACCOUNTS}")
        if self.seed < 0:
            raise ConfigError("--seed must be zero or positive")
        if not 3 <= self.events_per_account <= 10_000:
            raise ConfigError("--events-per-account must be between 3 and 10000")
        if not 0.0 <= self.uk_share <= 1.0:
            raise ConfigError("--uk-share must be between 0 and 1")
        if not 0.0 <= self.bad_rows <= 0.1:
            raise ConfigError("--bad-rows must be between 0 and 0.1")
        if self.lexicon is not None and not self.lexicon.is_file():
            raise ConfigError(f"lexicon file not found: {self.lexicon}")
