from __future__ import annotations

import numpy as np


def scene(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A generated RGB test picture: gradients, a few shapes, a little noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    img = np.zeros((height, width, 3))
    img[..., 0] = 255 * xx / width
    img[..., 1] = 255 * yy / height
    img[..., 2] = 128 + 100 * np.sin(xx / (width / (3 + 5 * rng.random())))
    for _ in range(6):
        cx, cy = rng.random() * width, rng.random() * height
        rad = (0.05 + 0.2 * rng.random()) * min(width, height)
        disc = (xx - cx) ** 2 + (yy - cy) ** 2 < rad**2
        img[disc] = rng.integers(0, 256, 3)
    img += rng.normal(0, 4, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()
