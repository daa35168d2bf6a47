"""Long work started from the web runs in the background, one job at a time, and writes its
progress to the store (``web_job``): the page that shows it can be reloaded, or opened by
someone else, and still shows where it is. A job left running by a stopped server is marked
failed when the next one starts."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update

from safeguard.authz import Actor
from safeguard.config import Settings
from safeguard.errors import ActionRefused, SafeguardError
from safeguard.progress import Progress, ProgressTask
from safeguard.store import audit
from safeguard.store.db import Store
from safeguard.store.models import WebJob

__all__ = ["JOB_KINDS", "JobRunner", "StoreProgress"]

#: Seconds between progress writes to the store.
FLUSH_EVERY = 0.5

JobFn = Callable[[Store, Settings, str, dict[str, Any], Progress], dict[str, Any]]


def _rerun(
    store: Store, settings: Settings, operation: str, args: dict[str, Any], progress: Progress
) -> dict[str, Any]:
    from safeguard.pipeline import rerun_stage

    ran = rerun_stage(
        store,
        settings,
        str(args["stage"]),
        operation,
        progress=progress,
        downstream=bool(args.get("downstream")),
    )
    return {"stages": ran}


#: What can be started from the web, by kind.
JOB_KINDS: dict[str, JobFn] = {"rerun": _rerun}


@dataclass
class _Step:
    description: str
    done: float = 0.0
    total: float | None = None


class _Task:
    def __init__(self, owner: StoreProgress, step: _Step) -> None:
        self._owner, self._step = owner, step

    def advance(self, amount: float = 1) -> None:
        self._step.done += amount
        self._owner.touch()

    def set_total(self, total: float | None) -> None:
        self._step.total = total
        self._owner.touch()


class StoreProgress:
    """:class:`safeguard.progress.Progress` that keeps a job's steps in its ``web_job`` row."""

    def __init__(self, store: Store, job_id: int) -> None:
        self._store, self._id = store, job_id
        self._steps: list[_Step] = []
        self._last = 0.0

    @contextmanager
    def task(self, description: str, total: float | None = None) -> Iterator[ProgressTask]:
        step = _Step(description, 0.0, total)
        self._steps.append(step)
        self.touch(force=True)
        try:
            yield _Task(self, step)
        finally:
            step.total = step.total if step.total is not None else max(step.done, 1)
            step.done = step.total
            self.touch(force=True)

    def touch(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last >= FLUSH_EVERY:
            self._last = now
            self.flush()

    def flush(self) -> None:
        steps = [s.__dict__.copy() for s in self._steps]
        with self._store.session() as s:
            s.execute(update(WebJob).where(WebJob.id == self._id).values(steps=steps))


class JobRunner:
    """One background worker per app; jobs queue behind each other."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self._store, self._settings = store, settings
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="safeguard-job")
        self._started = threading.Event()

    def _mark_interrupted(self) -> None:
        if self._started.is_set():
            return
        self._started.set()
        with self._store.session() as s:
            s.execute(
                update(WebJob)
                .where(WebJob.status.in_(["queued", "running"]))
                .values(status="failed", error="interrupted: the server stopped")
            )

    def submit(self, kind: str, operation: str, args: dict[str, Any], actor: Actor) -> int:
        if kind not in JOB_KINDS:
            raise ActionRefused(f"unknown job {kind!r}; one of: {', '.join(JOB_KINDS)}")
        self._mark_interrupted()
        self._store.operation_id(operation)  # NotFoundError before anything is queued
        with self._store.session() as s:
            job = WebJob(kind=kind, operation=operation, args=args, started_by=actor.username)
            s.add(job)
            s.flush()
            audit.append(s, actor.username, f"job.{kind}", operation, {"job": job.id, **args})
            job_id = job.id
        self._pool.submit(self._run, job_id, kind, operation, args)
        return job_id

    def _finish(self, job_id: int, **values: Any) -> None:
        with self._store.session() as s:
            s.execute(
                update(WebJob)
                .where(WebJob.id == job_id)
                .values(finished_at=datetime.now(UTC), **values)
            )

    def _run(self, job_id: int, kind: str, operation: str, args: dict[str, Any]) -> None:
        with self._store.session() as s:
            s.execute(update(WebJob).where(WebJob.id == job_id).values(status="running"))
        progress = StoreProgress(self._store, job_id)
        try:
            result = JOB_KINDS[kind](self._store, self._settings, operation, args, progress)
        except SafeguardError as exc:
            progress.flush()
            self._finish(job_id, status="failed", error=str(exc))
            return
        except Exception as exc:  # a job's failure is shown on its page, never lost
            progress.flush()
            self._finish(job_id, status="failed", error=f"{type(exc).__name__}: {exc}")
            return
        progress.flush()
        self._finish(job_id, status="done", result=result)

    def wait(self, timeout: float = 60) -> None:
        """Block until queued jobs have finished (tests and shutdown)."""
        self._pool.submit(lambda: None).result(timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
