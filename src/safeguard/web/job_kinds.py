"""What can be started from the web as a background job: re-running stages, ingesting a
delivery from the inbox (and, if asked, analysing it through every later stage) and writing
the operation report. Each returns the small JSON result its job page shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safeguard.config import Settings
from safeguard.errors import ActionRefused, NotFoundError
from safeguard.progress import Progress
from safeguard.store.db import Store

__all__ = ["JOB_KINDS", "JobFn", "JobRun", "inbox_entries", "inbox_entry"]


@dataclass(frozen=True)
class JobRun:
    """One job being run: where, on what, with which arguments, for whom."""

    store: Store
    settings: Settings
    operation: str
    args: dict[str, Any]
    user: str


#: (the job, its progress) -> the result its page shows
JobFn = Callable[[JobRun, Progress], dict[str, Any]]


def inbox_entries(settings: Settings) -> list[str]:
    """The deliveries waiting in the inbox: the folders and files directly inside it."""
    inbox = settings.inbox_dir
    if not inbox.is_dir():
        return []
    return sorted(p.name for p in inbox.iterdir() if not p.name.startswith("."))


def inbox_entry(settings: Settings, name: str) -> Path:
    """The inbox entry called ``name``; nothing outside the inbox can be named."""
    if name not in inbox_entries(settings):
        raise NotFoundError(f"no delivery {name!r} in the inbox ({settings.inbox_dir})")
    path = settings.inbox_dir / name
    if path.is_symlink():
        raise ActionRefused(f"{name}: a link in the inbox is not ingested from the web")
    return path


def _rerun(job: JobRun, progress: Progress) -> dict[str, Any]:
    from safeguard.pipeline import rerun_stage

    ran = rerun_stage(
        job.store,
        job.settings,
        str(job.args["stage"]),
        job.operation,
        progress=progress,
        downstream=bool(job.args.get("downstream")),
    )
    return {"stages": ran}


def _ingest(job: JobRun, progress: Progress) -> dict[str, Any]:
    from safeguard import ingest
    from safeguard.pipeline import ANALYSIS, analyse

    delivery = inbox_entry(job.settings, str(job.args["delivery"]))
    result = ingest.run(
        job.store, job.settings, delivery, job.operation, user=job.user, progress=progress
    )
    done: dict[str, Any] = {
        "delivery_id": result.delivery_id,
        "created": result.created,
        "format": result.format,
        "records": result.records,
        "quarantined": sum(t.get("quarantined", 0) for t in result.tables.values()),
        "notes": result.notes,
    }
    if job.args.get("analyse"):
        analyse(job.store, job.settings, job.operation, progress=progress)
        done["stages"] = [name for name, _ in ANALYSIS] + ["track"]
    return done


def _report(job: JobRun, progress: Progress) -> dict[str, Any]:
    from safeguard.track.report import write_report

    with progress.task("report: figures, charts, HTML and PDF", total=1) as task:
        files = write_report(job.store, job.operation, job.settings.reports_dir)
        task.advance()
    return {"files": {"html": files.html.name, "pdf": files.pdf.name}}


#: What can be started from the web, by kind.
JOB_KINDS: dict[str, JobFn] = {"rerun": _rerun, "ingest": _ingest, "report": _report}
