"""Long work started from the web runs in the background, one job at a time, and writes its
progress to the store (``web_job``): the page that shows it can be reloaded, or opened by
someone else, and still shows where it is. A job left running by a stopped server process
(``web_job.runner``, ``host:pid``) is marked failed when the next one starts; with several
workers, a job another live worker runs is left alone."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from safeguard.authz import Actor
from safeguard.config import Settings
from safeguard.errors import ActionRefused, SafeguardError
from safeguard.progress import ProgressTask
from safeguard.store import audit
from safeguard.store.db import Store
from safeguard.store.models import WebJob
from safeguard.web.job_kinds import JOB_KINDS, JobRun

__all__ = ["JOB_KINDS", "JobRunner", "StoreProgress"]

#: Seconds between progress writes to the store, and between refreshes of the live steps.
FLUSH_EVERY = 0.5
LIVE_EVERY = 0.1


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
    """:class:`safeguard.progress.Progress` that keeps a job's steps in its ``web_job`` row.

    The job's thread only updates the steps in memory (``live``, which the job page reads
    while the job runs here); a writer thread copies them to the store every
    :data:`FLUSH_EVERY` seconds. The job's own stage may hold the database's write lock for
    minutes (SQLite: one writer at a time), so the job never waits on its progress writes:
    a write that cannot happen yet happens later, and :meth:`close` writes the last state.
    """

    def __init__(self, store: Store, job_id: int, live: dict[int, list[dict[str, Any]]]) -> None:
        self._store, self._id, self._live = store, job_id, live
        self._steps: list[_Step] = []
        self._last = 0.0
        self._changed = threading.Event()
        self._closed = threading.Event()
        self._writer = threading.Thread(
            target=self._write_loop, name=f"safeguard-job-{job_id}-progress", daemon=True
        )
        self._writer.start()

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

    def snapshot(self) -> list[dict[str, Any]]:
        return [dict(vars(step)) for step in list(self._steps)]

    def touch(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last >= LIVE_EVERY:
            self._last = now
            self._live[self._id] = self.snapshot()
            self._changed.set()

    def _write(self) -> None:
        with self._store.session() as s:
            s.execute(update(WebJob).where(WebJob.id == self._id).values(steps=self.snapshot()))

    def _write_loop(self) -> None:
        while not self._closed.wait(FLUSH_EVERY):
            if not self._changed.is_set():
                continue
            self._changed.clear()
            try:
                self._write()
            except OperationalError:  # the store is busy (the job's own stage): later
                self._changed.set()

    def close(self) -> None:
        """Stop the writer and write the final steps (the job's stage has finished)."""
        self._closed.set()
        self._writer.join()
        self._write()
        self._live.pop(self._id, None)


#: This server process, as a job's ``runner`` names it.
RUNNER = f"{socket.gethostname()}:{os.getpid()}"


def _alive(runner: str) -> bool:
    """Whether the process a job's ``runner`` names may still be running it: this process,
    or a live process on this host. A process on another host (a shared PostgreSQL store)
    cannot be checked from here and is taken to be alive."""
    if runner == RUNNER:
        return True
    host, _, pid = runner.rpartition(":")
    if not pid.isdigit():  # no runner recorded (before migration 0005)
        return False
    if host != socket.gethostname():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class JobRunner:
    """One background worker per app; jobs queue behind each other."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self._store, self._settings = store, settings
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="safeguard-job")
        self._started = threading.Event()
        #: job id -> its steps, while it runs here (fresher than its row in the store)
        self.live: dict[int, list[dict[str, Any]]] = {}

    def _mark_interrupted(self) -> None:
        if self._started.is_set():
            return
        self._started.set()
        with self._store.session() as s:
            unfinished = s.execute(
                select(WebJob.id, WebJob.runner).where(WebJob.status.in_(["queued", "running"]))
            ).all()
            gone = [job_id for job_id, runner in unfinished if not _alive(runner)]
            if gone:
                s.execute(
                    update(WebJob)
                    .where(WebJob.id.in_(gone))
                    .values(status="failed", error="interrupted: the server stopped")
                )

    def submit(self, kind: str, operation: str, args: dict[str, Any], actor: Actor) -> int:
        if kind not in JOB_KINDS:
            raise ActionRefused(f"unknown job {kind!r}; one of: {', '.join(JOB_KINDS)}")
        self._mark_interrupted()
        if kind != "ingest":  # an ingest may create its operation
            self._store.operation_id(operation)  # NotFoundError before anything is queued
        with self._store.session() as s:
            job = WebJob(
                kind=kind, operation=operation, args=args, started_by=actor.username, runner=RUNNER
            )
            s.add(job)
            s.flush()
            audit.append(s, actor.username, f"job.{kind}", operation, {"job": job.id, **args})
            job_id = job.id
        self._pool.submit(self._run, job_id, kind, operation, args, actor.username)
        return job_id

    def _finish(self, job_id: int, **values: Any) -> None:
        with self._store.session() as s:
            s.execute(
                update(WebJob)
                .where(WebJob.id == job_id)
                .values(finished_at=datetime.now(UTC), **values)
            )

    def _run(self, job_id: int, kind: str, operation: str, args: dict[str, Any], user: str) -> None:
        with self._store.session() as s:
            s.execute(update(WebJob).where(WebJob.id == job_id).values(status="running"))
        progress = StoreProgress(self._store, job_id, self.live)
        try:
            run = JobRun(self._store, self._settings, operation, args, user)
            result = JOB_KINDS[kind](run, progress)
        except SafeguardError as exc:
            progress.close()
            self._finish(job_id, status="failed", error=str(exc))
            return
        except Exception as exc:  # a job's failure is shown on its page, never lost
            progress.close()
            self._finish(job_id, status="failed", error=f"{type(exc).__name__}: {exc}")
            return
        progress.close()
        self._finish(job_id, status="done", result=result)

    def wait(self, timeout: float = 60) -> None:
        """Block until queued jobs have finished (tests and shutdown)."""
        self._pool.submit(lambda: None).result(timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
