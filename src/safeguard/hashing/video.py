"""Perceptual hashes of video files: PDQ on frames sampled once a second, decoded by PyAV.

This is the vPDQ algorithm (ThreatExchange ``vpdq``): frames are taken at a fixed interval
and each is hashed with PDQ, giving :class:`~safeguard.hashing.vpdq.VpdqFrame` records with
quality and timestamp. Frames are decoded by FFmpeg through PyAV, scaled (area average) so
no side exceeds :data:`~safeguard.hashing.decode.RESIZE_SIDE`, as greyscale (the luma plane
is PDQ's luminance). Every failure becomes :class:`~safeguard.errors.VideoDecodeError`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import av
import numpy as np

from safeguard.errors import VideoDecodeError
from safeguard.hashing.decode import RESIZE_SIDE
from safeguard.hashing.pdq import pdq_of_array
from safeguard.hashing.vpdq import VpdqFrame

__all__ = ["MAX_FRAMES", "SECONDS_PER_FRAME", "vpdq_of_video"]

#: Interval between sampled frames (vPDQ's default ``seconds_per_hash``).
SECONDS_PER_FRAME = 1.0
#: At most this many frames are hashed (one hour at one a second); later ones are ignored.
MAX_FRAMES = 3600
_MIN_SIDE = 5


def _scaled(width: int, height: int) -> tuple[int, int]:
    side = RESIZE_SIDE or max(width, height)
    return min(width, side), min(height, side)


def _sampled(container: Any, interval: float) -> Iterator[tuple[float, Any]]:
    stream = container.streams.video[0]
    base = float(stream.time_base or 0) or None
    next_at = 0.0
    for frame in container.decode(stream):
        stamp = next_at if frame.pts is None or base is None else max(0.0, frame.pts * base)
        if stamp + 1e-6 < next_at:
            continue
        yield stamp, frame
        next_at = stamp + interval


def _frame_hash(stamp: float, frame: Any) -> VpdqFrame:
    width, height = _scaled(frame.width, frame.height)
    grey = frame.reformat(width=width, height=height, format="gray", interpolation="AREA")
    plane = np.ascontiguousarray(grey.to_ndarray(), dtype=np.uint8)
    pixels = np.lib.stride_tricks.as_strided(
        plane, shape=(*plane.shape, 3), strides=(*plane.strides, 0), writeable=False
    )
    pdq = pdq_of_array(pixels)
    return VpdqFrame(pdq.hex, pdq.quality, round(stamp, 3))


def _hash_container(container: Any, name: str, interval: float) -> list[VpdqFrame]:
    if not container.streams.video:
        raise VideoDecodeError(name, "no video stream")
    frames: list[VpdqFrame] = []
    for stamp, frame in _sampled(container, interval):
        if min(frame.width, frame.height) < _MIN_SIDE:
            raise VideoDecodeError(name, "video frames are too small for PDQ")
        frames.append(_frame_hash(stamp, frame))
        if len(frames) >= MAX_FRAMES:
            break
    if not frames:
        raise VideoDecodeError(name, "no decodable frame")
    return frames


def vpdq_of_video(
    path: Path | IO[bytes], *, interval: float = SECONDS_PER_FRAME
) -> list[VpdqFrame]:
    """The vPDQ frames of the video at ``path`` (a path or an open binary file), one frame
    every ``interval`` seconds."""
    name = str(path)
    source = str(path) if isinstance(path, Path) else path
    try:
        with av.open(source, mode="r", metadata_errors="ignore") as container:
            return _hash_container(container, name, interval)
    except VideoDecodeError:
        raise
    except FileNotFoundError as exc:
        raise VideoDecodeError(name, "file not found") from exc
    except PermissionError as exc:
        raise VideoDecodeError(name, f"cannot read file: {exc.strerror}") from exc
    except MemoryError as exc:
        raise VideoDecodeError(name, "video too large to decode in memory") from exc
    except (av.FFmpegError, OSError, ValueError, IndexError, TypeError, EOFError) as exc:
        detail = getattr(exc, "strerror", None) or str(exc)
        raise VideoDecodeError(name, f"corrupt or truncated video: {detail}") from exc
