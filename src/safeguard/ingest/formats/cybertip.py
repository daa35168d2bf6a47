"""NCMEC CyberTipline reports (FORMATS.md §2): one report per XML file, many in a directory.

Wire parsing only: which files are reports, their size bound, safe parsing (no DTD, no
entities, no external references) and the delivery's identity. Mapping a report to our
records is :mod:`safeguard.ingest.cybertip`; storing them, :mod:`safeguard.ingest.cybertip.store`.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from safeguard.config import Settings
from safeguard.errors import DeliveryRejected
from safeguard.hashing.files import sha256_file
from safeguard.ingest.context import IngestContext
from safeguard.ingest.cybertip.store import store_reports
from safeguard.ingest.formats.base import DeliveryFile, DeliveryInfo
from safeguard.ingest.xmltree import BadXml, XmlElement, parse_xml
from safeguard.progress import NULL_PROGRESS, Progress

__all__ = ["CyberTipline", "report_files"]

_MAX_FILES = 100_000
_HEAD = 4096
_FIRST_TAG = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_PLATFORM_PATHS = ("reporter/espName", "reporter/companyName", "reporter/reportingPerson/company")


def _files(root: Path) -> list[Path]:
    """Every regular file under ``root`` (sorted); links and special files refuse the delivery."""
    out: list[Path] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("__MACOSX"))
        for name in [*names, *dirs]:
            path = Path(folder) / name
            if path.is_symlink():
                raise DeliveryRejected(f"{path.relative_to(root)} is a link; not allowed")
            if name in names and not path.is_file():
                raise DeliveryRejected(f"{path.relative_to(root)} is not a regular file")
        out.extend(Path(folder) / n for n in names)
        if len(out) > _MAX_FILES:
            raise DeliveryRejected(f"more than {_MAX_FILES} files in the delivery")
    return sorted(out)


def report_files(root: Path) -> list[Path]:
    """The ``.xml`` files of the delivery at ``root``: each is one report."""
    return [p for p in _files(root) if p.suffix.lower() == ".xml"]


def _root_tag(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(_HEAD)
    head = re.sub(rb"<\?.*?\?>|<!--.*?-->", b"", head, flags=re.S)
    found = _FIRST_TAG.search(head)
    return found.group(1).decode("ascii", "replace").rsplit(":", 1)[-1] if found else ""


def _checksum(files: list[DeliveryFile]) -> str:
    """SHA-256 over the sorted (name, SHA-256) of every file: the delivery's identity."""
    digest = hashlib.sha256()
    for f in sorted(files, key=lambda f: f.name):
        digest.update(f"{f.name}\0{f.sha256}\n".encode())
    return digest.hexdigest()


def _platform(tree: XmlElement) -> str:
    for path in _PLATFORM_PATHS:
        value = tree.value(path)
        if value:
            return value[:200]
    return ""


class CyberTipline:
    """A directory (or archive) of CyberTipline report XML files, one report per file."""

    name = "ncmec-cybertipline"
    description = "NCMEC CyberTipline reports: one report per .xml file"

    def detect(self, root: Path) -> bool:
        try:
            if (root / "manifest.json").exists():
                return False
            xml = report_files(root)
            return bool(xml) and _root_tag(xml[0]) == "report"
        except (DeliveryRejected, OSError):
            return False

    def inspect(
        self, root: Path, settings: Settings, progress: Progress = NULL_PROGRESS
    ) -> DeliveryInfo:
        files, platforms = [], set()
        reports = report_files(root)
        if not reports:
            raise DeliveryRejected(f"{root}: no .xml report files")
        for path in _files(root):
            rel = path.relative_to(root).as_posix()
            size = path.stat().st_size
            if path in reports and size > settings.xml_max_bytes:
                raise DeliveryRejected(
                    f"{rel}: {size} bytes, larger than {settings.xml_max_bytes}"
                    " (SAFEGUARD_XML_MAX_BYTES)"
                )
            files.append(DeliveryFile(rel, path, *sha256_file(path, progress)))
            if path in reports:
                platforms.add(self._safe_platform(path))
        platform = ", ".join(sorted(p for p in platforms if p))[:200]
        manifest = {"format": self.name, "reports": len(reports),
                    "files": {f.name: f.sha256 for f in files}}  # fmt: skip
        return DeliveryInfo(
            checksum=_checksum(files), platform=platform, manifest=manifest, files=files
        )

    @staticmethod
    def _safe_platform(path: Path) -> str:
        """Parse once before anything is written, so hostile XML refuses the whole delivery."""
        try:
            return _platform(parse_xml(path))
        except BadXml:
            return ""

    def load(self, ctx: IngestContext, root: Path, info: DeliveryInfo) -> None:
        reports = {p.relative_to(root).as_posix() for p in report_files(root)}
        with ctx.progress.task("ingest reports", len(reports)) as task:
            store_reports(ctx, (_parsed(root, name) for name in sorted(reports)), task.advance)
        for f in info.files:
            if f.name not in reports:
                ctx.notes.append(f"{f.name}: not a report (.xml); kept as evidence")


def _parsed(root: Path, name: str) -> tuple[str, XmlElement | BadXml]:
    try:
        return name, parse_xml(root / name)
    except BadXml as exc:
        return name, exc
