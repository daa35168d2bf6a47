"""The ``DeliveryFormat`` interface and what inspecting a delivery yields."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from safeguard.config import Settings
from safeguard.errors import DeliveryRejected
from safeguard.ingest.context import IngestContext
from safeguard.progress import NULL_PROGRESS, Progress

__all__ = ["DeliveryFile", "DeliveryFormat", "DeliveryInfo", "safe_member"]


@dataclass(frozen=True)
class DeliveryFile:
    """One file of a delivery: its path relative to the delivery root, digest and size.

    ``verified``: ``sha256`` was computed from the file; otherwise it is what the delivery's
    manifest says, checked while the file is kept as evidence (during the load).
    """

    name: str
    path: Path
    sha256: str
    size: int
    verified: bool = True


@dataclass
class DeliveryInfo:
    """Everything known about a delivery before anything is written."""

    checksum: str
    platform: str = ""
    source_agency: str = ""
    produced_at: datetime | None = None
    grading: dict[str, str] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)
    files: list[DeliveryFile] = field(default_factory=list)


class DeliveryFormat(Protocol):
    """A kind of partner delivery. ``name`` is a storage key: it never changes once stored."""

    name: str
    description: str

    def detect(self, root: Path) -> bool:
        """Whether the unpacked delivery at ``root`` is in this format (cheap, never raises)."""
        ...

    def inspect(
        self, root: Path, settings: Settings, progress: Progress = NULL_PROGRESS
    ) -> DeliveryInfo:
        """Read and verify the delivery (within ``settings``' limits); raise
        ``DeliveryRejected`` if it cannot be taken. Nothing is written yet."""
        ...

    def load(self, ctx: IngestContext, root: Path, info: DeliveryInfo) -> None:
        """Write the delivery's records through ``ctx`` (inside the caller's transaction)."""
        ...


def safe_member(root: Path, name: str) -> Path:
    """``root / name`` for a plain relative name inside ``root``; links and traversal refused."""
    rel = Path(name)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts or "\\" in name:
        raise DeliveryRejected(f"unsafe file name {name!r} in the delivery")
    path = root / rel
    for part in [*reversed(path.parents), path]:
        if part.is_relative_to(root) and part.is_symlink():
            raise DeliveryRejected(f"{name!r} is a link; deliveries may not contain links")
    if not path.is_file():
        raise DeliveryRejected(f"{name!r} is listed in the manifest but missing from the delivery")
    return path
