"""The scan stage: list a device, process its files in parallel, match, store as it goes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from safeguard.config import Settings
from safeguard.errors import NotFoundError, PipelineError
from safeguard.progress import NULL_PROGRESS, Progress
from safeguard.scan.executor import Outcome, default_workers, run_batches
from safeguard.scan.items import Item, ScanOptions
from safeguard.scan.matching import ScanMatcher
from safeguard.scan.records import (
    ScanRef,
    create_scan,
    done_keys,
    file_counts,
    finish_scan,
    interrupted_scan,
    subject_id,
    write_results,
)
from safeguard.store.db import Store
from safeguard.store.runs import record_run

__all__ = ["ScanRequest", "ScanSummary", "run"]

_BATCH_ITEMS = 64
_BATCH_BYTES = 64 << 20


@dataclass(frozen=True)
class ScanRequest:
    """What to scan and how (the CLI's arguments)."""

    source: Path
    device: str
    operation: str | None = None
    subject: str | None = None
    hash_sets: Sequence[str] | None = None
    resume: bool = False
    media: bool = True
    workers: int | None = None
    scheduler: str | None = None


@dataclass
class ScanSummary:
    scan_id: int
    device: str
    files_done_before: int = 0
    items_processed: int = 0
    files_written: int = 0
    bytes_read: int = 0
    matched_files: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


def _source_kind(source: Path) -> str:
    if source.is_dir():
        return "directory"
    if source.is_file():
        from safeguard.scan.tsk import image_kind

        return image_kind(source)
    raise NotFoundError(f"{source}: no such directory or disk image")


def _items(source: Path, kind: str) -> Iterator[Item]:
    if kind == "directory":
        from safeguard.scan.walk import walk_directory

        return walk_directory(source)
    from safeguard.scan.tsk import walk_image

    return walk_image(source)


def _batches(items: Iterable[Item]) -> Iterator[list[Item]]:
    batch: list[Item] = []
    size = 0
    for item in items:
        batch.append(item)
        size += item.size or 0
        if len(batch) >= _BATCH_ITEMS or size >= _BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _options(settings: Settings, media: bool) -> ScanOptions:
    return ScanOptions(
        media=media,
        archives=media,
        max_file_bytes=settings.scan_max_file_bytes,
        archive_max_bytes=settings.archive_max_bytes,
        archive_max_ratio=settings.archive_max_ratio,
    )


def _start(store: Store, settings: Settings, req: ScanRequest, sets: dict[str, int]) -> ScanRef:
    source = str(req.source.resolve())
    if req.resume:
        ref = interrupted_scan(store, req.device)
        if ref.source != source:
            raise PipelineError(f"the unfinished scan of {req.device!r} was of {ref.source}")
        if ref.options.get("hash_sets") != sets or ref.options.get("media") != req.media:
            raise PipelineError(
                "the hash sets or options changed since the scan started: start a new scan"
            )
        return ref
    op_id = store.operation_id(req.operation, create=True) if req.operation else None
    subject = None
    if req.subject is not None:
        if op_id is None:
            raise PipelineError("--subject needs the operation the subject belongs to (-o)")
        subject = subject_id(store, op_id, req.subject)
    options = {
        "hash_sets": sets,
        "media": req.media,
        "pdq_max_distance": settings.pdq_max_distance,
        "pdq_min_quality": settings.pdq_min_quality,
    }
    return create_scan(
        store,
        device=req.device,
        source=source,
        source_kind=_source_kind(req.source),
        operation_id=op_id,
        subject=subject,
        user=settings.user,
        options=options,
    )


@dataclass
class _Scanner:
    """One run of a scan: where results go, and what it has done so far."""

    store: Store
    matcher: ScanMatcher
    ref: ScanRef
    summary: ScanSummary

    def store_outcome(self, outcome: Outcome) -> int:
        """Match and write one finished batch (one transaction); returns files matched."""
        batch, per_item = outcome
        results = [r for item_results in per_item for r in item_results]
        matches = self.matcher.match(results)
        with self.store.transaction() as conn:
            write_results(conn, self.ref.id, results, matches)
        s = self.summary
        s.items_processed += len(batch)
        s.files_written += len(results)
        s.bytes_read += sum(r.size or 0 for r in results if r.container is None and r.md5)
        found = sum(1 for m in matches if m)
        s.matched_files += found
        return found

    def process(
        self, todo: list[Item], req: ScanRequest, options: ScanOptions, progress: Progress
    ) -> None:
        batches = list(_batches(todo))
        workers = min(req.workers or default_workers(), max(1, len(batches) // 2))
        total_bytes = sum(i.size or 0 for i in todo if i.problem is None)
        with (
            progress.task("files", len(todo)) as files,
            progress.task("bytes", total_bytes) as size,
            progress.task("matched files") as matches,
        ):
            outcomes = run_batches(batches, options, workers=workers, scheduler=req.scheduler)
            for outcome in outcomes:
                found = self.store_outcome(outcome)
                files.advance(len(outcome[0]))
                size.advance(sum(i.size or 0 for i in outcome[0] if i.problem is None))
                matches.advance(found)


def run(
    store: Store, settings: Settings, req: ScanRequest, progress: Progress = NULL_PROGRESS
) -> ScanSummary:
    """Scan ``req.source`` (or resume its unfinished scan); returns what this run did."""
    kind = _source_kind(req.source)
    matcher = ScanMatcher.load(
        store,
        req.hash_sets,
        max_distance=settings.pdq_max_distance,
        min_quality=settings.pdq_min_quality,
    )
    ref = _start(store, settings, req, matcher.set_versions())
    done = done_keys(store, ref.id)
    summary = ScanSummary(ref.id, req.device, files_done_before=len(done))
    config: dict[str, Any] = {"scan_id": ref.id, "device": req.device, **ref.options}
    with record_run(store, ref.operation_id, "scan", config) as rec:
        with progress.task(f"listing {req.source.name or req.source}") as t:
            todo = [i for i in _items(req.source, kind) if i.key not in done]
            t.advance(len(todo))
        scanner = _Scanner(store, matcher, ref, summary)
        scanner.process(todo, req, _options(settings, req.media), progress)
        summary.by_status = file_counts(store, ref.id)
        finish_scan(store, ref.id, {"files": summary.by_status})
        rec.counts = {
            "items": summary.items_processed,
            "files": summary.files_written,
            "resumed_after": summary.files_done_before,
            "matched": summary.matched_files,
        }
    return summary
