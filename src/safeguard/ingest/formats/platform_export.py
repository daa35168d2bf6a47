"""The platform export delivery (``safeguard-platform-export`` version 1, FORMATS.md §1)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from safeguard.config import Settings
from safeguard.errors import DeliveryRejected
from safeguard.hashing.files import sha256_file
from safeguard.ingest.context import IngestContext
from safeguard.ingest.formats.base import DeliveryFile, DeliveryInfo, safe_member
from safeguard.ingest.normalise import parse_timestamp
from safeguard.ingest.platform.accounts import load_accounts
from safeguard.ingest.platform.events import (
    load_files,
    load_identifiers,
    load_logins,
    load_messages,
)
from safeguard.ingest.tables import TABLE_SUFFIXES, TableBatch, read_table
from safeguard.progress import NULL_PROGRESS, Progress

__all__ = ["PlatformExport"]

MANIFEST = "manifest.json"
_MAX_MANIFEST_BYTES = 10 << 20
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
_GRADING = {
    "source": ("1", "2", "3"),
    "intelligence": ("A", "B", "C", "D", "E"),
    "handling": ("P", "C"),
}
Loader = Callable[[IngestContext, str, Iterator[TableBatch]], None]
#: Tables in load order (accounts first: the others refer to them).
TABLES: tuple[tuple[str, Loader], ...] = (
    ("accounts", load_accounts),
    ("identifiers", load_identifiers),
    ("logins", load_logins),
    ("files", load_files),
    ("messages", load_messages),
)

#: Store tables that no later table of the load order writes to, by the table finishing them.
_FINISHES = {
    "logins": ("identifier", "login_event"),
    "files": ("file_event",),
    "messages": ("message",),
}


def _read_manifest(root: Path) -> dict[str, Any]:
    path = root / MANIFEST
    if path.is_symlink() or not path.is_file():
        raise DeliveryRejected(f"no {MANIFEST} in {root}")
    if path.stat().st_size > _MAX_MANIFEST_BYTES:
        raise DeliveryRejected(f"{MANIFEST} is larger than {_MAX_MANIFEST_BYTES} bytes")
    data = path.read_bytes()
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DeliveryRejected(f"{MANIFEST} is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise DeliveryRejected(f"{MANIFEST} must be a JSON object")
    return doc


def _grading(doc: dict[str, Any]) -> dict[str, str]:
    raw = doc.get("grading") or {}
    if not isinstance(raw, dict):
        raise DeliveryRejected("manifest grading must be an object")
    out = {"conditions": str(raw.get("conditions") or "")}
    for key, allowed in _GRADING.items():
        value = str(raw.get(key) or "").strip().upper()
        if value and value not in allowed:
            raise DeliveryRejected(f"manifest grading {key} {value!r} is not one of {allowed}")
        out[key] = value
    return out


def _produced_at(doc: dict[str, Any]) -> datetime | None:
    raw = doc.get("produced_at")
    if raw in (None, ""):
        return None
    try:
        return parse_timestamp(str(raw))
    except ValueError as exc:
        raise DeliveryRejected(f"manifest produced_at: {exc}") from exc


def _listed(doc: dict[str, Any]) -> dict[str, str]:
    files = doc.get("files")
    if not isinstance(files, dict) or not files:
        raise DeliveryRejected("manifest 'files' must map each file name to its SHA-256")
    for name, digest in files.items():
        if not isinstance(digest, str) or not _HEX64.match(digest):
            raise DeliveryRejected(f"manifest checksum of {name!r} is not SHA-256 hex")
    if not any(Path(n).stem == "accounts" and Path(n).suffix in TABLE_SUFFIXES for n in files):
        raise DeliveryRejected("manifest lists no accounts table (accounts.csv is required)")
    return {str(k): v.lower() for k, v in files.items()}


def _members(root: Path, listed: dict[str, str]) -> list[DeliveryFile]:
    """The listed files, with the manifest's digests (verified while they are kept)."""
    out = []
    for name, expected in sorted(listed.items()):
        path = safe_member(root, name)
        out.append(DeliveryFile(name, path, expected, path.stat().st_size, verified=False))
    return out


class PlatformExport:
    """Directory of tables with a manifest of their SHA-256 digests."""

    name = "safeguard-platform-export"
    description = "platform export: manifest.json + accounts/logins/files/messages/identifiers"

    def detect(self, root: Path) -> bool:
        try:
            doc = _read_manifest(root)
        except DeliveryRejected:
            return False
        return doc.get("format") == self.name

    def inspect(
        self, root: Path, settings: Settings, progress: Progress = NULL_PROGRESS
    ) -> DeliveryInfo:
        doc = _read_manifest(root)
        if doc.get("format") != self.name or doc.get("version") != 1:
            raise DeliveryRejected(
                f"{MANIFEST} says format {doc.get('format')!r} version {doc.get('version')!r};"
                f" expected {self.name!r} version 1"
            )
        manifest_file = DeliveryFile(MANIFEST, root / MANIFEST, *sha256_file(root / MANIFEST))
        return DeliveryInfo(
            checksum=manifest_file.sha256,
            platform=str(doc.get("platform") or "")[:200],
            source_agency=str(doc.get("source_agency") or "")[:200],
            produced_at=_produced_at(doc),
            grading=_grading(doc),
            manifest=doc,
            files=[manifest_file, *_members(root, _listed(doc))],
        )

    def load(self, ctx: IngestContext, root: Path, info: DeliveryInfo) -> None:
        by_table = {
            f.path.stem: f
            for f in info.files
            if f.name != MANIFEST and f.path.suffix in TABLE_SUFFIXES
        }
        for table, loader in TABLES:
            file = by_table.get(table)
            if file is None:
                continue
            ctx.raise_if_rejected()  # a file already found not to match the manifest
            with ctx.progress.task(f"ingest {file.name}", file.size) as task:
                loader(ctx, file.name, read_table(file.path, task.advance))
            ctx.tables_done(*_FINISHES.get(table, ()))
        known = {t for t, _ in TABLES}
        for name in sorted(set(by_table) - known):
            ctx.notes.append(f"{by_table[name].name}: not a table of this format; kept as evidence")
