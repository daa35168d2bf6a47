"""What a file is, from its content (libmagic through ``python-magic``), never its name."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

__all__ = ["ARCHIVE_MIMES", "MEDIA_KINDS", "classify"]

#: The kinds a scan tells apart.
MEDIA_KINDS = ("image", "video", "archive", "other")

#: Content types expanded as archives (tar may also be compressed).
ARCHIVE_MIMES = frozenset(
    {
        "application/zip",
        "application/x-tar",
        "application/gzip",
        "application/x-gzip",
        "application/x-bzip2",
        "application/x-xz",
    }
)
#: Image types Pillow cannot hash (vector or layered formats).
_NOT_RASTER = frozenset({"image/svg+xml", "image/vnd.adobe.photoshop", "image/x-xcf"})


@lru_cache(maxsize=1)
def _magic() -> Any:
    import magic

    return magic.Magic(mime=True)


def classify(head: bytes) -> tuple[str, str]:
    """``(kind, mime)`` of a file from its first bytes; kind is one of :data:`MEDIA_KINDS`."""
    if not head:
        return "other", "application/x-empty"
    mime = str(_magic().from_buffer(head))
    if mime.startswith("image/") and mime not in _NOT_RASTER:
        return "image", mime
    if mime.startswith("video/"):
        return "video", mime
    if mime in ARCHIVE_MIMES:
        return "archive", mime
    return "other", mime
