"""Synthetic operation generator: a realistic delivery, hash sets, checks, register, GeoIP
databases and the ground truth that evaluation compares the pipeline against.

No imagery is generated: file hashes are random but consistent. See ``docs/synth.md``.
"""

from __future__ import annotations

from safeguard.synth.generate import DELIVERY_TABLES, SynthSummary, generate
from safeguard.synth.lexicon import Lexicon, load_lexicon
from safeguard.synth.params import SynthParams

__all__ = ["DELIVERY_TABLES", "Lexicon", "SynthParams", "SynthSummary", "generate", "load_lexicon"]
