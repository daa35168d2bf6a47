"""The universe of files: known (in the hash sets), re-encoded copies, and unknown files.

A file's hashes are drawn once, so the same file carries the same hashes in every event and
in the hash sets. Re-encoded copies of known images have fresh cryptographic hashes and a PDQ
hash 1-20 bits from the original: only perceptual matching finds them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from safeguard.synth.params import WINDOW_END, WINDOW_START
from safeguard.synth.tables import hex_strings

__all__ = ["CATEGORIES", "Universe", "draw_universe"]

#: Category codes 0..3 used throughout the generator.
CATEGORIES = ("A", "B", "C", "non-pertinent")
_CATEGORY_SHARES = (0.20, 0.25, 0.40, 0.15)
_VIDEO_SHARE = 0.12


@dataclass
class Universe:
    n_known: int
    n_variant: int
    n_unknown: int
    cat_start: NDArray[np.int64]  # known files are contiguous by category
    cat_count: NDArray[np.int64]
    variant_of: NDArray[np.int64]  # variant → known index
    variant_bits: NDArray[np.int64]  # PDQ distance of each variant from its original
    origin: NDArray[np.int64]  # unknown → account index that first uploaded it
    first_seen: NDArray[np.int64]  # unknown → time of that first upload
    victim_identified: NDArray[np.bool_]  # known only
    series: NDArray[np.int64]  # known only, -1 = none
    columns: dict[str, pa.Array]  # one row per file: known, then variants, then unknown
    pdq_raw: NDArray[np.uint8]  # known only, (n_known, 32)

    @property
    def size(self) -> int:
        return self.n_known + self.n_variant + self.n_unknown

    def category(self, known: NDArray[np.int64]) -> NDArray[np.int64]:
        return np.searchsorted(self.cat_start, known, side="right").astype(np.int64) - 1


def _flip_bits(
    rng: np.random.Generator, pdq: NDArray[np.uint8], bits: NDArray[np.int64]
) -> NDArray[np.uint8]:
    unpacked = np.unpackbits(pdq, axis=1)
    order = np.argsort(rng.random(unpacked.shape), axis=1)[:, :20]
    chosen = np.arange(20)[None, :] < bits[:, None]
    rows = np.repeat(np.arange(len(pdq)), 20).reshape(-1, 20)
    unpacked[rows[chosen], order[chosen]] ^= 1
    return np.packbits(unpacked, axis=1)


def _file_columns(
    rng: np.random.Generator, pdq_raw: NDArray[np.uint8], video: NDArray[np.bool_]
) -> dict[str, pa.Array]:
    n = len(pdq_raw)
    quality = np.where(rng.random(n) < 0.08, rng.integers(5, 50, n), rng.integers(50, 101, n))
    mask = pa.array(video)
    size = np.where(
        video, rng.integers(2_000_000, 400_000_000, n), rng.integers(20_000, 6_000_000, n)
    )
    number = pc.cast(pa.array(rng.integers(1000, 10000, n)), pa.string())
    return {
        "md5": hex_strings(rng.integers(0, 256, (n, 16), dtype=np.uint8)),
        "sha1": hex_strings(rng.integers(0, 256, (n, 20), dtype=np.uint8)),
        "sha256": hex_strings(rng.integers(0, 256, (n, 32), dtype=np.uint8)),
        "pdq": pc.if_else(mask, pa.scalar(None, pa.string()), hex_strings(pdq_raw)),
        "pdq_quality": pc.if_else(mask, pa.scalar(None, pa.int64()), pa.array(quality)),
        "media_type": pc.if_else(mask, "video", "image"),
        "file_size": pa.array(size),
        "file_name": pc.binary_join_element_wise(
            pc.if_else(mask, "VID_", "IMG_"), number, pc.if_else(mask, ".mp4", ".jpg"), ""
        ),
    }


def _series(rng: np.random.Generator, n: int) -> NDArray[np.int64]:
    """About 40% of known files belong to one of ``n / 40`` series; -1 = none."""
    return np.where(rng.random(n) < 0.4, rng.integers(0, max(1, n // 40), n), -1).astype(np.int64)


def _unknown_origins(
    rng: np.random.Generator, producer_accounts: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    per = rng.poisson(6, len(producer_accounts)) + 1
    origin = np.repeat(producer_accounts, per)
    span = WINDOW_END - WINDOW_START
    first_seen = WINDOW_START + rng.integers(0, int(span * 0.8), len(origin))
    return origin.astype(np.int64), first_seen.astype(np.int64)


def draw_universe(
    rng: np.random.Generator, accounts: int, producer_accounts: NDArray[np.int64]
) -> Universe:
    """Files sized to the operation: about one known file per two accounts."""
    n_known = max(400, accounts // 2)
    cat_count = np.floor(np.array(_CATEGORY_SHARES) * n_known).astype(np.int64)
    cat_count[2] += n_known - int(cat_count.sum())
    cat_start = np.concatenate([[0], np.cumsum(cat_count)[:-1]]).astype(np.int64)
    known_pdq = rng.integers(0, 256, (n_known, 32), dtype=np.uint8)
    known_video = rng.random(n_known) < _VIDEO_SHARE
    abc_images = np.flatnonzero(~known_video[: int(cat_start[3])])
    variant_of = np.sort(rng.choice(abc_images, size=len(abc_images) // 4, replace=False))
    bits = rng.integers(1, 21, len(variant_of))
    origin, first_seen = _unknown_origins(rng, producer_accounts)
    n_unknown = len(origin)
    pdq_all = np.concatenate([
        known_pdq, _flip_bits(rng, known_pdq[variant_of], bits),
        rng.integers(0, 256, (n_unknown, 32), dtype=np.uint8),
    ])  # fmt: skip
    video = np.concatenate(
        [known_video, np.zeros(len(variant_of), bool), rng.random(n_unknown) < _VIDEO_SHARE]
    )
    return Universe(
        n_known=n_known, n_variant=len(variant_of), n_unknown=n_unknown,
        cat_start=cat_start, cat_count=cat_count, variant_of=variant_of.astype(np.int64),
        variant_bits=bits.astype(np.int64), origin=origin, first_seen=first_seen,
        victim_identified=rng.random(n_known) < 0.3,
        series=_series(rng, n_known),
        columns=_file_columns(rng, pdq_all, video), pdq_raw=known_pdq,
    )  # fmt: skip
