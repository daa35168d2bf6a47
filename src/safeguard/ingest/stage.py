"""The ingest stage: one delivery into the store, all or nothing, idempotent by checksum."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from safeguard.config import Settings
from safeguard.errors import DeliveryRejected
from safeguard.hashing.files import sha256_file
from safeguard.ingest import evidence
from safeguard.ingest.context import IngestContext
from safeguard.ingest.formats import (
    DeliveryFile,
    DeliveryFormat,
    DeliveryInfo,
    detect_format,
    get_format,
)
from safeguard.ingest.indexes import deferred_indexes
from safeguard.ingest.quarantine import Quarantine
from safeguard.ingest.sink import column_sink
from safeguard.ingest.unpack import ARCHIVE_SUFFIXES, Limits, is_archive, unpacked
from safeguard.ingest.writer import Writer
from safeguard.progress import NULL_PROGRESS, Progress
from safeguard.store.bulk import bulk_insert
from safeguard.store.db import Store
from safeguard.store.models import Delivery, Operation, StageRun
from safeguard.store.runs import RunRecorder, record_run

__all__ = ["IngestResult", "run"]


@dataclass(frozen=True)
class IngestResult:
    """What an ingest did. ``created`` is False when the delivery was already in the operation.

    ``tables``: per delivered file, ``accepted`` / ``quarantined`` rows and ``values_dropped``;
    ``reasons``: per file, quarantine entries per reason code.
    """

    delivery_id: int
    created: bool
    format: str
    tables: dict[str, dict[str, int]] = field(default_factory=dict)
    reasons: dict[str, dict[str, int]] = field(default_factory=dict)
    records: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return sum(t.get("accepted", 0) for t in self.tables.values())

    @property
    def quarantined(self) -> int:
        return sum(t.get("quarantined", 0) for t in self.tables.values())

    @classmethod
    def from_report(cls, delivery_id: int, fmt: str, report: dict[str, Any]) -> IngestResult:
        return cls(
            delivery_id=delivery_id,
            created=False,
            format=fmt,
            tables=report.get("tables", {}),
            reasons=report.get("reasons", {}),
            records=report.get("records", {}),
            notes=report.get("notes", []),
        )

    def report(self) -> dict[str, Any]:
        return {
            "tables": self.tables,
            "reasons": self.reasons,
            "records": self.records,
            "notes": self.notes,
        }


@contextmanager
def _unpacked(path: Path, settings: Settings) -> Iterator[tuple[Path, DeliveryFile | None]]:
    """The delivery's directory, and the archive it came from (if any)."""
    if path.is_dir():
        yield path.resolve(), None
        return
    if not path.exists():
        raise DeliveryRejected(f"{path}: no such file or directory")
    if path.is_file() and path.suffix.lower() == ".xml":
        with _single_file(path, settings) as root:
            yield root, None
        return
    if not is_archive(path):
        raise DeliveryRejected(
            f"{path}: not a delivery directory, archive ({', '.join(ARCHIVE_SUFFIXES)})"
            " or report (.xml)"
        )
    digest, size = sha256_file(path)
    limits = Limits(settings.archive_max_bytes, settings.archive_max_ratio)
    with unpacked(path, limits) as root:
        yield root, DeliveryFile(path.name, path, digest, size)


@contextmanager
def _single_file(path: Path, settings: Settings) -> Iterator[Path]:
    """A private directory holding a copy of one delivered file (a single XML report)."""
    if path.is_symlink():
        raise DeliveryRejected(f"{path}: is a link; give the file itself")
    if path.stat().st_size > settings.xml_max_bytes:
        raise DeliveryRejected(
            f"{path.name}: larger than {settings.xml_max_bytes} bytes (SAFEGUARD_XML_MAX_BYTES)"
        )
    tmp = Path(tempfile.mkdtemp(prefix="safeguard-file-"))
    try:
        shutil.copyfile(path, tmp / path.name)
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _operation_id(store: Store, name: str) -> int | None:
    with store.session() as s:
        return s.scalar(select(Operation.id).where(Operation.name == name))


def _create_operation(conn: Connection, name: str, user: str) -> int:
    """The new operation's id: created in the delivery's transaction, so a refused delivery
    leaves no operation behind."""
    result = conn.execute(insert(Operation).values(name=name, created_by=user))
    assert result.inserted_primary_key is not None
    return int(result.inserted_primary_key[0])


def _existing(store: Store, operation_id: int | None, checksum: str) -> IngestResult | None:
    if operation_id is None:
        return None
    with store.session() as s:
        row = s.execute(
            select(Delivery.id, Delivery.format, Delivery.report).where(
                Delivery.operation_id == operation_id, Delivery.checksum == checksum
            )
        ).first()
    return None if row is None else IngestResult.from_report(row[0], row[1], row[2] or {})


def _insert_delivery(
    conn: Connection, operation_id: int, fmt: DeliveryFormat, info: DeliveryInfo, user: str
) -> int:
    g = info.grading
    result = conn.execute(
        insert(Delivery).values(
            operation_id=operation_id,
            format=fmt.name,
            checksum=info.checksum,
            platform=info.platform,
            source_agency=info.source_agency,
            produced_at=info.produced_at,
            ingested_by=user,
            grading_source=g.get("source", ""),
            grading_intelligence=g.get("intelligence", ""),
            grading_handling=g.get("handling", ""),
            grading_conditions=g.get("conditions", ""),
            manifest=info.manifest,
            report={},
        )
    )
    assert result.inserted_primary_key is not None
    return int(result.inserted_primary_key[0])


def _record_files(conn: Connection, delivery_id: int, info: DeliveryInfo, kept: list[Path]) -> None:
    rows = [
        (delivery_id, f.name, f.sha256, f.size, str(path))
        for f, path in zip(info.files, kept, strict=True)
    ]
    bulk_insert(
        conn, "delivery_file", ("delivery_id", "path", "sha256", "size", "evidence_path"), rows
    )


def _result(ctx: IngestContext, fmt: DeliveryFormat) -> IngestResult:
    reasons: dict[str, dict[str, int]] = {}
    for (file, reason), n in sorted(ctx.quarantine.reasons.items()):
        reasons.setdefault(file, {})[reason] = n
    return IngestResult(
        delivery_id=ctx.delivery_id,
        created=True,
        format=fmt.name,
        tables=ctx.summary(),
        reasons=reasons,
        records={k: int(v) for k, v in sorted(ctx.records.items())},
        notes=list(ctx.notes),
    )


def _load(
    store: Store, op: int | str, fmt: DeliveryFormat, info: DeliveryInfo, root: Path, **kw: Any
) -> IngestResult:
    """Load the delivery into operation ``op`` (its id, or the name of one to create).

    When the load fails, the evidence files it kept that no delivery refers to are removed.
    """
    settings: Settings = kw["settings"]
    keeper = evidence.Keeper(settings.evidence_dir, info.files, kw["progress"])
    try:
        return _load_kept(store, op, fmt, info, root, keeper=keeper, **kw)
    except BaseException:
        evidence.discard(store, keeper.created)
        raise


def _load_kept(
    store: Store,
    op: int | str,
    fmt: DeliveryFormat,
    info: DeliveryInfo,
    root: Path,
    *,
    keeper: evidence.Keeper,
    **kw: Any,
) -> IngestResult:
    settings: Settings = kw["settings"]
    progress: Progress = kw["progress"]
    # The writer is left (idle) before the transaction commits or rolls back; the sink is
    # closed after it has. The files are verified and kept as evidence while they load.
    # Up to six batches may wait for the writer (a copy or an index rebuild takes seconds;
    # the loader checks on meanwhile, for ~150 MB more peak memory on the bench delivery).
    with (
        column_sink(store.dialect, settings.data_dir / "staging", progress) as sink,
        ExitStack() as after_commit,
        store.bulk_transaction() as conn,
        keeper,
        Writer(depth=6) as writer,
    ):
        op_id = op if isinstance(op, int) else _create_operation(conn, op, kw["user"])
        delivery_id = _insert_delivery(conn, op_id, fmt, info, kw["user"])
        ctx = IngestContext(
            connection=conn,
            operation_id=op_id,
            delivery_id=delivery_id,
            platform=info.platform,
            quarantine=Quarantine(lambda: ctx.conn, delivery_id),
            progress=progress,
            writer=writer,
            sink=sink,
            rejection=keeper.check,
        )
        delivered = sum(f.size for f in info.files)
        with deferred_indexes(conn, delivered, progress) as ctx.deferred:
            fmt.load(ctx, root, info)
            ctx.publish(*sink.pending)
            ctx.quarantine.flush()
            writer.drain()
        _record_files(conn, delivery_id, info, keeper.kept())
        result = _result(ctx, fmt)
        conn.execute(
            update(Delivery).where(Delivery.id == delivery_id).values(report=result.report())
        )
        # Shown until the transaction has committed (closed after it, on the way out).
        after_commit.enter_context(progress.task("ingest: commit"))
    return result


def _load_once(
    store: Store, op: int | str, fmt: DeliveryFormat, info: DeliveryInfo, root: Path, **kw: Any
) -> IngestResult:
    """:func:`_load`; when another ingest committed first, the delivery it stored (the same
    checksum), or a load into the operation it created (the same name)."""
    try:
        return _load(store, op, fmt, info, root, **kw)
    except IntegrityError:
        op_id = _operation_id(store, op) if isinstance(op, str) else op
        again = _existing(store, op_id, info.checksum)
        if again is not None:
            return again
        if op_id is None or op_id == op:
            raise
        return _load(store, op_id, fmt, info, root, **kw)


def _claim_run(store: Store, run_id: int, operation: str) -> None:
    """Give the run the operation its delivery created."""
    op_id = select(Operation.id).where(Operation.name == operation).scalar_subquery()
    with store.transaction() as conn:
        conn.execute(update(StageRun).where(StageRun.id == run_id).values(operation_id=op_id))


def _record(rec: RunRecorder, result: IngestResult) -> None:
    rec.counts.update(
        delivery_id=result.delivery_id,
        created=result.created,
        accepted=result.accepted,
        quarantined=result.quarantined,
        tables=result.tables,
        records=result.records,
    )
    for file, reasons in result.reasons.items():
        for reason, n in reasons.items():
            rec.warn(
                "quarantined_rows",
                f"{file}: {n} quarantined ({reason})",
                f"delivery:{result.delivery_id}",
            )


def run(
    store: Store,
    settings: Settings,
    path: Path,
    operation: str,
    *,
    format: str = "auto",
    user: str = "",
    progress: Progress = NULL_PROGRESS,
) -> IngestResult:
    """Ingest the delivery at ``path`` into ``operation`` (created with the delivery if new).

    Raises :class:`DeliveryRejected` when the delivery cannot be taken: nothing of it is kept
    (no operation, no rows, no evidence files), only the failed run is recorded.
    Re-ingesting a delivery already in the operation returns its result with ``created=False``.
    """
    evidence.sweep(settings.evidence_dir)
    op_id = _operation_id(store, operation)
    with _unpacked(Path(path), settings) as (root, archive):
        fmt = detect_format(root) if format == "auto" else get_format(format)
        info = fmt.inspect(root, settings, progress)
        if archive is not None:
            info.files.insert(0, archive)
        done = _existing(store, op_id, info.checksum)
        if done is not None:
            return done
        config = {"format": fmt.name, "path": str(path), "checksum": info.checksum}
        config["operation"] = operation
        with record_run(store, op_id, "ingest", config) as rec:
            kw = {"settings": settings, "user": user, "progress": progress}
            result = _load_once(store, op_id or operation, fmt, info, root, **kw)
            _record(rec, result)
            if op_id is None:
                _claim_run(store, rec.run_id, operation)
    return result
