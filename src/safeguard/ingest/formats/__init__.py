"""Registered delivery formats: one explicit list, names checked at import."""

from __future__ import annotations

from pathlib import Path

from safeguard.errors import DeliveryRejected, FormatError, PluginError
from safeguard.ingest.formats.base import DeliveryFile, DeliveryFormat, DeliveryInfo
from safeguard.ingest.formats.cybertip import CyberTipline
from safeguard.ingest.formats.platform_export import PlatformExport

__all__ = [
    "FORMATS",
    "DeliveryFile",
    "DeliveryFormat",
    "DeliveryInfo",
    "detect_format",
    "get_format",
]

#: Every built-in delivery format, in detection order.
FORMATS: tuple[DeliveryFormat, ...] = (PlatformExport(), CyberTipline())


def _check(formats: tuple[DeliveryFormat, ...]) -> None:
    names = [f.name for f in formats]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise PluginError(f"duplicate delivery format name(s): {', '.join(dupes)}")


_check(FORMATS)


def get_format(name: str) -> DeliveryFormat:
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    known = ", ".join(f.name for f in FORMATS)
    raise FormatError(f"unknown delivery format {name!r}; known formats: auto, {known}")


def detect_format(root: Path) -> DeliveryFormat:
    """The one registered format that recognises ``root``."""
    found = [f for f in FORMATS if f.detect(root)]
    if len(found) == 1:
        return found[0]
    if not found:
        raise DeliveryRejected(
            f"{root}: not a recognised delivery (formats: {', '.join(f.name for f in FORMATS)})"
        )
    raise DeliveryRejected(
        f"{root}: ambiguous delivery, matches {', '.join(f.name for f in found)}; use --format"
    )
