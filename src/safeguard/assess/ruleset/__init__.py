"""The ruleset: factor weights, score thresholds, lifts, tier names and timescales, as data.

The shipped ruleset is ``safeguard/data/rulesets/kirat-lite.yaml``; ``SAFEGUARD_RULESET``
selects another file. :func:`load_ruleset` validates it (``ruleset/file.py``) and gives a
:class:`Ruleset` that assesses one subject's facts and names, orders and times the tiers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from safeguard.assess.factors import FACTORS
from safeguard.assess.factors.base import FactorParams, RiskFactor
from safeguard.assess.facts import SubjectFacts
from safeguard.assess.reasons import ReasonSink
from safeguard.assess.ruleset.file import ParsedRuleset, parse_ruleset
from safeguard.config import Settings
from safeguard.errors import ConfigError
from safeguard.records import Tier

__all__ = ["BUILT_IN", "Ruleset", "TierInfo", "Timescale", "load_ruleset", "read_ruleset"]

BUILT_IN = "kirat-lite.yaml"


@dataclass(frozen=True)
class Timescale:
    """A tier's target time to act, as the ruleset file gives it."""

    days: int
    text: str

    @property
    def delta(self) -> timedelta:
        return timedelta(days=self.days)


@dataclass(frozen=True)
class TierInfo:
    tier: Tier
    name: str
    min_score: float
    timescale: Timescale

    @property
    def key(self) -> str:
        """The name as a command-line word: ``Very High`` → ``very-high``."""
        return "-".join(self.name.casefold().split())


@dataclass(frozen=True)
class Ruleset:
    name: str
    version: str
    sha256: str
    source: str
    tiers: tuple[TierInfo, ...]
    lifts: tuple[tuple[Tier, frozenset[str]], ...]
    factors: tuple[tuple[RiskFactor, FactorParams], ...]
    doc: dict[str, Any]

    @property
    def label(self) -> str:
        """``name/version``, as stored with every assessment (e.g. ``kirat-lite/1``)."""
        return f"{self.name}/{self.version}"

    def assess(self, facts: SubjectFacts) -> tuple[Tier, ReasonSink]:
        """Run every factor of the ruleset over one subject's facts: its tier and reasons."""
        sink = ReasonSink()
        for factor, params in self.factors:
            factor.assess(facts, params, sink)
        return self.tier_for(sink), sink

    def tier_for(self, reasons: ReasonSink) -> Tier:
        """The most urgent tier the score reaches or a lift (flag combination) gives."""
        flags, score = reasons.flags, reasons.score
        best = next(t.tier for t in self.tiers if score >= t.min_score)
        for tier, combo in self.lifts:
            if combo <= flags and int(tier.value) < int(best.value):
                best = tier
        return best

    def info(self, tier: Tier | str) -> TierInfo:
        code = tier.value if isinstance(tier, Tier) else str(tier)
        for t in self.tiers:
            if t.tier.value == code:
                return t
        raise ConfigError(f"ruleset {self.label}: no tier {code!r}")

    def timescale(self, tier: Tier | str) -> Timescale:
        """The target time to act on a subject of ``tier`` (code ``"1"`` or :class:`Tier`)."""
        return self.info(tier).timescale

    def tier_name(self, tier: Tier | str) -> str:
        return self.info(tier).name

    def parse_tier(self, word: str) -> Tier:
        """A tier from what a person types: its code (``2``), name or key (``high``)."""
        folded = "-".join(word.casefold().split())
        for t in self.tiers:
            if folded in (t.tier.value, t.key):
                return t.tier
        names = ", ".join(f"{t.key} ({t.tier.value})" for t in self.tiers)
        raise ConfigError(f"unknown tier {word!r}: one of {names}")


def _build(parsed: ParsedRuleset, text: str, source: str) -> Ruleset:
    doc = parsed.doc
    tiers = tuple(
        TierInfo(Tier(t.code), t.name, t.min_score, Timescale(t.timescale.days, t.timescale.text))
        for t in doc.tiers
    )
    lifts = tuple((Tier(lift.tier), frozenset(lift.flags)) for lift in doc.lifts)
    factors = tuple((FACTORS[name], params) for name, params in parsed.params.items())
    return Ruleset(
        name=doc.name,
        version=doc.version,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        source=source,
        tiers=tiers,
        lifts=lifts,
        factors=factors,
        doc=parsed.raw,
    )


def read_ruleset(path: Path | None = None) -> Ruleset:
    """Read and validate a ruleset file (default: the built-in one)."""
    if path is None:
        text = resources.files("safeguard.data").joinpath("rulesets", BUILT_IN).read_text("utf-8")
        source = f"built-in {BUILT_IN}"
    else:
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read ruleset {path}: {exc}") from exc
        source = str(path)
    return _build(parse_ruleset(text, source), text, source)


def load_ruleset(settings: Settings) -> Ruleset:
    """The active ruleset: ``SAFEGUARD_RULESET`` if set, else the built-in one."""
    return read_ruleset(settings.ruleset)
