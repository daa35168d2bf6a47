"""Guarded image decoding to a luminance-ready pixel array for PDQ.

Every failure (not an image, truncated or corrupt data, a decompression bomb) becomes
:class:`~safeguard.errors.ImageDecodeError` with a reason; nothing else escapes.

Large JPEGs take a fast path: libjpeg decodes them at a reduced DCT scale (Pillow's draft
mode) straight to greyscale, so neither the full-size pixels nor the colour conversion are
ever computed. Then every side longer than ``RESIZE_SIDE`` is box-resized (area
average, Pillow's C code) to exactly that length. PDQ blurs and samples each axis to 64
points independently, so the aspect ratio need not be kept, and the hash changes little
while ``pdqhash``'s filtering, which costs time in proportion to the pixels, gets cheap.
``DRAFT_MIN_SIDE`` and ``RESIZE_SIDE`` were chosen by measurement against full decoding
(``bench/image_hash.py --sweep``; see ``docs/hashing.md``).
"""

from __future__ import annotations

import warnings
import zlib
from pathlib import Path
from typing import IO

import numpy as np
import pillow_heif
from PIL import Image, UnidentifiedImageError

from safeguard.errors import ImageDecodeError

__all__ = ["DRAFT_MIN_SIDE", "MAX_PIXELS", "RESIZE_SIDE", "decode_image", "image_name"]

#: Images with more pixels than this are refused as possible decompression bombs.
MAX_PIXELS: int = Image.MAX_IMAGE_PIXELS or 89_478_485

#: A JPEG is decoded at the smallest DCT scale (1/2, 1/4, 1/8) that keeps both sides at
#: least this long. ``None`` disables the fast path.
DRAFT_MIN_SIDE: int | None = 1024

#: After decoding, each side longer than this is box-resized to exactly this length
#: (a multiple of 64 whose PDQ blur window, ceil(side / 128), is odd, so the filter is
#: centred on PDQ's sample points). ``None`` keeps the decoded size.
RESIZE_SIDE: int | None = 576

_ORIENTATION_TAG = 0x0112
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, zlib.error)

pillow_heif.register_heif_opener()


def image_name(path: Path | IO[bytes]) -> str:
    """How an image is named in errors: its path, or "upload" for content in memory."""
    return str(path) if isinstance(path, Path) else "upload"


def decode_image(
    path: Path | IO[bytes],
    *,
    draft_min_side: int | None = DRAFT_MIN_SIDE,
    resize_side: int | None = RESIZE_SIDE,
    max_pixels: int = MAX_PIXELS,
) -> np.ndarray:
    """Decode the first frame of ``path`` (a path or an open binary file), upright per EXIF,
    as an (H, W, 3) uint8 array.

    Greyscale results are returned as a zero-copy (H, W, 3) view of one channel. Pass
    ``draft_min_side=None, resize_side=None`` for the full-size pixels.
    """
    sides = (draft_min_side, resize_side)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                return _decode_open(im, image_name(path), sides, max_pixels)
    except ImageDecodeError:
        raise
    except FileNotFoundError as exc:
        raise ImageDecodeError(image_name(path), "file not found") from exc
    except (PermissionError, IsADirectoryError) as exc:
        raise ImageDecodeError(image_name(path), f"cannot read file: {exc.strerror}") from exc
    except UnidentifiedImageError as exc:
        raise ImageDecodeError(image_name(path), "not a recognised image format") from exc
    except Image.DecompressionBombError as exc:
        raise ImageDecodeError(image_name(path), f"decompression bomb: {exc}") from exc
    except MemoryError as exc:
        raise ImageDecodeError(image_name(path), "image too large to decode in memory") from exc
    except _DECODE_ERRORS as exc:
        raise ImageDecodeError(image_name(path), f"corrupt or truncated image: {exc}") from exc


def _decode_open(
    im: Image.Image, name: str, sides: tuple[int | None, int | None], max_pixels: int
) -> np.ndarray:
    width, height = im.size
    if width * height > max_pixels:
        raise ImageDecodeError(
            name,
            f"decompression bomb: {width}x{height} pixels exceeds the limit of {max_pixels}",
        )
    if width == 0 or height == 0:
        raise ImageDecodeError(name, "image has no pixels")
    orientation = im.getexif().get(_ORIENTATION_TAG, 1)
    draft_min_side, resize_side = sides
    if draft_min_side is not None and im.format == "JPEG" and im.mode in ("RGB", "L"):
        im.draft("L", (draft_min_side, draft_min_side))
    im.load()
    frame = _resized(_to_pdq_mode(im), resize_side)
    method = _TRANSPOSE.get(orientation) if isinstance(orientation, int) else None
    if method is not None:
        frame = frame.transpose(method)
    return _as_rgb_array(frame)


def _resized(im: Image.Image, side: int | None) -> Image.Image:
    """Box-resize each side longer than ``side`` to ``side`` (aspect ratio not kept)."""
    if side is None:
        return im
    size = (min(im.width, side), min(im.height, side))
    return im if size == im.size else im.resize(size, Image.Resampling.BOX)


def _to_pdq_mode(im: Image.Image) -> Image.Image:
    if im.mode in ("L", "RGB"):
        return im
    if im.mode in ("1", "I", "F") or im.mode.startswith("I;"):
        return im.convert("L") if im.mode == "1" else _scaled_grey(im)
    return im.convert("RGB")


def _scaled_grey(im: Image.Image) -> Image.Image:
    """Map a 16/32-bit or float greyscale image onto 0..255 by its own range."""
    arr = np.asarray(im, dtype=np.float64)
    lo, hi = float(arr.min()), float(arr.max())
    scaled = (arr - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(arr)
    return Image.fromarray(scaled.astype(np.uint8), mode="L")


def _as_rgb_array(im: Image.Image) -> np.ndarray:
    arr = np.array(im, dtype=np.uint8)
    if arr.ndim == 3:
        return arr if arr.shape[2] == 3 else np.ascontiguousarray(arr[:, :, :3])
    return np.lib.stride_tricks.as_strided(
        arr, shape=(*arr.shape, 3), strides=(*arr.strides, 0), writeable=True
    )
