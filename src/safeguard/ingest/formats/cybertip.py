"""NCMEC CyberTipline reports (FORMATS.md §2): report and ``fileDetails`` documents, one per file.

Wire parsing only: which files are documents, their size bound, safe parsing (no DTD, no
entities, no external references), the delivery's layout and its identity. Mapping a report
to our records is :mod:`safeguard.ingest.cybertip`; which file belongs to which report,
:mod:`safeguard.ingest.cybertip.layout`; storing, :mod:`safeguard.ingest.cybertip.store`.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from safeguard.config import Settings
from safeguard.errors import DeliveryRejected
from safeguard.hashing.files import sha256_file
from safeguard.ingest.context import IngestContext
from safeguard.ingest.cybertip.layout import MANIFEST, link_files, read_layout, report_ids
from safeguard.ingest.cybertip.mapping import PLATFORM_PATHS, map_file_document, report_id_of
from safeguard.ingest.cybertip.model import Problem
from safeguard.ingest.cybertip.store import FileDoc, ReportDoc, quarantine, store_reports
from safeguard.ingest.formats.base import DeliveryFile, DeliveryInfo
from safeguard.ingest.reasons import Reason
from safeguard.ingest.xmltree import BadXml, XmlElement, parse_xml
from safeguard.progress import NULL_PROGRESS, Progress

__all__ = ["CyberTipline", "report_files"]

_MAX_FILES = 100_000
_HEAD = 4096
_FIRST_TAG = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_ROOTS = ("report", "fileDetails")


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
    for path in PLATFORM_PATHS:
        value = tree.value(path)
        if value:
            return value[:200]
    return ""


def _document(path: Path) -> tuple[str, str | None, str]:
    """(root tag, written ``reportId``, in-report provider) of one document, parsed in full
    before anything is written, so hostile XML refuses the whole delivery."""
    try:
        tree = parse_xml(path)
    except BadXml:
        return "", None, ""
    return tree.tag, report_id_of(tree), _platform(tree) if tree.tag == "report" else ""


class CyberTipline:
    """CyberTipline report and ``fileDetails`` documents (XML), one per file."""

    name = "ncmec-cybertipline"
    description = "NCMEC CyberTipline reports and fileDetails: one .xml document per file"

    def detect(self, root: Path) -> bool:
        try:
            if (root / "manifest.json").exists():
                return False
            if (root / MANIFEST).is_file():
                return True
            return any(_root_tag(p) in _ROOTS for p in report_files(root))
        except (DeliveryRejected, OSError):
            return False

    def inspect(
        self, root: Path, settings: Settings, progress: Progress = NULL_PROGRESS
    ) -> DeliveryInfo:
        layout = read_layout(root)
        documents = set(report_files(root))
        if not documents:
            raise DeliveryRejected(f"{root}: no .xml report files")
        files, platforms = [], set()
        reports: dict[str, str | None] = {}
        details: dict[str, str | None] = {}
        for path in _files(root):
            rel = path.relative_to(root).as_posix()
            size = path.stat().st_size
            if path in documents and size > settings.xml_max_bytes:
                raise DeliveryRejected(
                    f"{rel}: {size} bytes, larger than {settings.xml_max_bytes}"
                    " (SAFEGUARD_XML_MAX_BYTES)"
                )
            files.append(DeliveryFile(rel, path, *sha256_file(path, progress)))
            if path in documents:
                tag, report_id, platform = _document(path)
                (details if tag == "fileDetails" else reports)[rel] = report_id
                platforms.add(platform)
        platform = layout.provider or ", ".join(sorted(p for p in platforms if p))[:200]
        manifest = {"format": self.name, "provider": layout.provider,
                    "reports": report_ids(reports, layout), "file_details": details,
                    "files": {f.name: f.sha256 for f in files}}  # fmt: skip
        return DeliveryInfo(
            checksum=_checksum(files), platform=platform, manifest=manifest, files=files
        )

    def load(self, ctx: IngestContext, root: Path, info: DeliveryInfo) -> None:
        reports: dict[str, str | None] = info.manifest["reports"]
        details: dict[str, str | None] = info.manifest["file_details"]
        provider: str | None = info.manifest["provider"]
        linked, orphans = link_files(reports, details)
        with ctx.progress.task("ingest reports", len(reports) + len(details)) as task:
            file_docs = _file_docs(ctx, root, details, task.advance)
            for name in orphans:
                _orphan(ctx, name, file_docs.pop(name, None))
            docs = (
                ReportDoc(name, _parsed(root / name), reports[name], provider,
                          [d for f in linked.get(name, []) if (d := file_docs.get(f))])
                for name in sorted(reports)
            )  # fmt: skip
            stored = store_reports(ctx, docs, task.advance)
        _judge(ctx, stored, len(reports) + len(details))
        for f in info.files:
            if f.name not in reports and f.name not in details and f.name != MANIFEST:
                ctx.notes.append(f"{f.name}: not a report (.xml); kept as evidence")


def _parsed(path: Path) -> XmlElement | BadXml:
    try:
        return parse_xml(path)
    except BadXml as exc:
        return exc


def _file_docs(
    ctx: IngestContext, root: Path, names: dict[str, str | None], advance: Callable[[int], None]
) -> dict[str, FileDoc]:
    """Every ``fileDetails`` document, mapped (a broken one is quarantined here)."""
    out: dict[str, FileDoc] = {}
    for name in sorted(names):
        ctx.counts(name)
        tree = _parsed(root / name)
        if isinstance(tree, BadXml):
            problem = Problem(tree.line, "fileDetails", Reason.BAD_REPORT, tree.detail, True)
            quarantine(ctx, name, problem)
        else:
            holder, record = map_file_document(tree)
            out[name] = FileDoc(name, holder, record)
        advance(1)
    return out


def _orphan(ctx: IngestContext, name: str, doc: FileDoc | None) -> None:
    if doc is None:
        return
    for problem in doc.holder.problems:
        quarantine(ctx, name, problem)
    why = f"reportId {doc.holder.report_id}" if doc.holder.report_id else "no reportId"
    problem = Problem(doc.holder.line, "reportId", Reason.UNKNOWN_REPORT, why, True)
    quarantine(ctx, name, problem)


def _judge(ctx: IngestContext, stored: int, documents: int) -> None:
    """Every record refused: an error (nothing is kept); most refused: a loud note."""
    accepted = sum(c.accepted for c in ctx.tables.values())
    refused = sum(c.quarantined for c in ctx.tables.values())
    if stored == 0:
        reasons = Counter[str]()
        for (_file, reason), n in ctx.quarantine.reasons.items():
            reasons[reason] += n
        top = ", ".join(f"{r} {n}" for r, n in reasons.most_common(3))
        raise DeliveryRejected(
            f"every report of the delivery was refused ({documents} documents; {top});"
            f" nothing stored. A provider missing? Name it in {MANIFEST} (docs/formats.md)"
        )
    if refused > accepted:
        ctx.notes.append(
            f"WARNING: most records of this delivery were refused: {refused:,} quarantined,"
            f" {accepted:,} accepted (safeguard deliveries show)"
        )
