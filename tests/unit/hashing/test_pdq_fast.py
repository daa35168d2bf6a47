from __future__ import annotations

import numpy as np
import pdqhash
import pytest

from safeguard.hashing import pdq_dihedral_of_array, pdq_of_array, pdq_reference_of_array
from tests.unit.hashing.conftest import hamming, scene


def _grey3(pixels: np.ndarray) -> np.ndarray:
    grey = np.ascontiguousarray(pixels[:, :, 1])
    return np.lib.stride_tricks.as_strided(grey, (*grey.shape, 3), (*grey.strides, 0))


@pytest.mark.parametrize(
    ("width", "height"),
    [(5, 5), (9, 7), (64, 64), (65, 130), (640, 480), (333, 1999), (1500, 1001)],
)
def test_matrix_pdq_agrees_with_the_reference(width: int, height: int) -> None:
    pixels = scene(width, height, seed=width + height)
    for arr in (pixels, _grey3(pixels)):
        ours, ref = pdq_of_array(arr), pdq_reference_of_array(arr)
        assert ours.quality == ref.quality
        assert hamming(ours.hex, ref.hex) <= 2  # only coefficients tied with the median may differ


def test_dihedral_variants_agree_with_the_reference_in_order() -> None:
    pixels = scene(480, 360, seed=11)
    bits, quality = pdqhash.compute_dihedral(pixels)
    ref = [np.packbits(np.asarray(b, dtype=np.uint8)).tobytes().hex() for b in bits]
    ours = pdq_dihedral_of_array(pixels)
    assert [hamming(o.hex, r) for o, r in zip(ours, ref, strict=True)] == [0] * 8
    assert {o.quality for o in ours} == {quality}


def test_low_detail_images_have_low_quality() -> None:
    flat = np.full((300, 300, 3), 90, dtype=np.uint8)
    assert pdq_of_array(flat).quality == pdq_reference_of_array(flat).quality < 50
