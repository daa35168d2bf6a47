"""PDQ perceptual hashes (and quality) of image files, computed by ``pdqhash``.

``pdqhash`` wraps the reference C++ PDQ (Meta's ThreatExchange). Images are decoded by
:func:`~safeguard.hashing.decode.decode_image`, which shrinks large images first (JPEG
draft decoding, then a whole-factor box reduction); see ``docs/hashing.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pdqhash

from safeguard.errors import ImageDecodeError
from safeguard.hashing.decode import DRAFT_MIN_SIDE, RESIZE_SIDE, decode_image, image_name

__all__ = [
    "DIHEDRAL_NAMES",
    "PdqHash",
    "pdq_dihedral_of_array",
    "pdq_dihedral_of_image",
    "pdq_of_array",
    "pdq_of_image",
]

_MIN_SIDE = 5

#: The order of :func:`pdq_dihedral_of_image`'s results (the reference PDQ order).
DIHEDRAL_NAMES: tuple[str, ...] = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip_x",
    "flip_y",
    "flip_plus1",
    "flip_minus1",
)


@dataclass(frozen=True)
class PdqHash:
    """A 256-bit PDQ hash as 64 lower-case hex digits, and its quality (0-100)."""

    hex: str
    quality: int


def _hex_of_bits(bits: np.ndarray) -> str:
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def pdq_of_array(pixels: np.ndarray) -> PdqHash:
    """PDQ of an (H, W, 3) uint8 RGB array (a greyscale plane may be a stride-0 view)."""
    bits, quality = pdqhash.compute(pixels)
    return PdqHash(_hex_of_bits(bits), int(quality))


def pdq_dihedral_of_array(pixels: np.ndarray) -> list[PdqHash]:
    """The 8 dihedral PDQ variants of an (H, W, 3) uint8 array, original first."""
    variants, quality = pdqhash.compute_dihedral(pixels)
    return [PdqHash(_hex_of_bits(bits), int(quality)) for bits in variants]


def _checked(path: Path | IO[bytes], pixels: np.ndarray) -> np.ndarray:
    if min(pixels.shape[0], pixels.shape[1]) < _MIN_SIDE:
        raise ImageDecodeError(
            image_name(path), f"image is too small for PDQ (under {_MIN_SIDE} pixels a side)"
        )
    return pixels


def pdq_of_image(
    path: Path | IO[bytes],
    *,
    draft_min_side: int | None = DRAFT_MIN_SIDE,
    resize_side: int | None = RESIZE_SIDE,
) -> PdqHash:
    """PDQ hash and quality of the image file at ``path`` (first frame, upright).

    ``draft_min_side`` and ``resize_side`` bound the shrinking done before hashing
    (see :func:`~safeguard.hashing.decode.decode_image`); ``None`` for both hashes the
    full-size pixels. Raises :class:`~safeguard.errors.ImageDecodeError` with a reason
    when the file cannot be decoded.
    """
    pixels = decode_image(path, draft_min_side=draft_min_side, resize_side=resize_side)
    return pdq_of_array(_checked(path, pixels))


def pdq_dihedral_of_image(
    path: Path | IO[bytes],
    *,
    draft_min_side: int | None = DRAFT_MIN_SIDE,
    resize_side: int | None = RESIZE_SIDE,
) -> list[PdqHash]:
    """The 8 dihedral PDQ variants of the image at ``path``, the original first.

    Matching any of them finds rotated and mirrored copies of a known image.
    """
    pixels = decode_image(path, draft_min_side=draft_min_side, resize_side=resize_side)
    return pdq_dihedral_of_array(_checked(path, pixels))
