"""vPDQ video hashes: one PDQ hash per sampled frame, and how two videos are compared.

The text form is ThreatExchange's ``vpdq`` signal string: a JSON list of
``"<pdq hex>,<quality>,<timestamp seconds>"`` strings. Comparison follows the vPDQ
algorithm (facebook/ThreatExchange ``vpdq/README.md``): duplicate frame hashes and frames
below a quality threshold are dropped, a frame matches when some frame of the other video
is within the PDQ distance, and the result is the percentage of each side's frames that
match.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from safeguard.errors import HashSetError

__all__ = [
    "QUERY_MATCH_PERCENT",
    "VideoMatch",
    "VpdqFrame",
    "compare_vpdq",
    "parse_vpdq",
    "vpdq_text",
]

#: A query video matches a known one when at least this share of its frames match
#: (ThreatExchange's ``VPDQ_QUERY_MATCH_THRESHOLD_PERCENT``).
QUERY_MATCH_PERCENT = 80.0
_HEX_LEN = 64


@dataclass(frozen=True, slots=True)
class VpdqFrame:
    """One sampled frame: its PDQ hash (64 hex), quality (0-100), time in seconds."""

    pdq: str
    quality: int
    timestamp: float


@dataclass(frozen=True, slots=True)
class VideoMatch:
    """How much of the query video and of the compared video match each other."""

    query_percent: float
    compared_percent: float
    distance: int  # the largest frame distance among the query's matched frames


def vpdq_text(frames: Sequence[VpdqFrame]) -> str:
    """The ThreatExchange ``vpdq`` signal string of ``frames``."""
    return json.dumps([f"{f.pdq},{f.quality},{f.timestamp:.3f}" for f in frames])


def _frame(text: object, where: str) -> VpdqFrame:
    parts = str(text).split(",")
    try:
        pdq, quality, stamp = parts
        frame = VpdqFrame(pdq.strip().lower(), int(quality), float(stamp))
        int(frame.pdq, 16)
    except ValueError as exc:
        raise HashSetError(f"{where}: bad vPDQ frame {str(text)[:80]!r}") from exc
    if len(frame.pdq) != _HEX_LEN or not 0 <= frame.quality <= 100 or frame.timestamp < 0:
        raise HashSetError(f"{where}: bad vPDQ frame {str(text)[:80]!r}")
    return frame


def parse_vpdq(text: str, where: str) -> list[VpdqFrame]:
    """Frames of a ``vpdq`` signal string; anything malformed raises ``HashSetError``."""
    try:
        items = json.loads(text)
    except ValueError as exc:
        raise HashSetError(f"{where}: vPDQ hash is not a JSON list: {exc}") from exc
    if not isinstance(items, list) or not items:
        raise HashSetError(f"{where}: vPDQ hash must be a non-empty JSON list of frames")
    return [_frame(item, where) for item in items]


def _bits(frames: Sequence[VpdqFrame], min_quality: int) -> np.ndarray:
    unique = dict.fromkeys(f.pdq for f in frames if f.quality >= min_quality)
    if not unique:
        return np.zeros((0, 32), np.uint8)
    return np.frombuffer(bytes.fromhex("".join(unique)), np.uint8).reshape(-1, 32)


def compare_vpdq(
    query: Sequence[VpdqFrame],
    compared: Sequence[VpdqFrame],
    *,
    max_distance: int,
    min_quality: int,
) -> VideoMatch | None:
    """Match percentages of two videos' frames, or ``None`` when either has no usable frame."""
    a, b = _bits(query, min_quality), _bits(compared, min_quality)
    if not len(a) or not len(b):
        return None
    xor = np.bitwise_xor(a[:, None, :], b[None, :, :])
    dist = np.unpackbits(xor, axis=2).sum(axis=2, dtype=np.int32)
    near = dist <= max_distance
    a_hit, b_hit = near.any(axis=1), near.any(axis=0)
    worst = int(dist.min(axis=1)[a_hit].max()) if a_hit.any() else max_distance + 1
    return VideoMatch(
        round(100.0 * float(a_hit.mean()), 2), round(100.0 * float(b_hit.mean()), 2), worst
    )
