"""Starting long work from the web and following it: re-running stages, ingesting a delivery
from the inbox (and analysing it), writing the operation report. The job page polls its own
progress; a report job's files are downloaded from it."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select

from safeguard.authz import Actor
from safeguard.errors import ActionRefused
from safeguard.store import audit
from safeguard.store.models import WebJob
from safeguard.web.deps import Need, state_of
from safeguard.web.job_kinds import inbox_entries, inbox_entry
from safeguard.web.jobs import JobRunner
from safeguard.web.render import page
from safeguard.web.routes.errors import not_found
from safeguard.web.schemas import ERROR_RESPONSES, RecordId

__all__ = ["api", "router"]

router = APIRouter(include_in_schema=False)  # HTML pages: not part of the REST API
api = APIRouter(prefix="/api/v1", tags=["jobs"], responses=ERROR_RESPONSES)
Stage = Literal["match", "attribute", "resolve", "assess", "package", "track"]


Kind = Literal["rerun", "ingest", "report"]
#: Jobs of an operation listed on its jobs page and by the API.
RECENT = 50


class JobIn(BaseModel):
    """A job to start: ``rerun`` a ``stage`` (and later ones with ``downstream``),
    ``ingest`` the inbox entry ``delivery`` (and ``analyse`` it through every later stage),
    or write the operation ``report``."""

    kind: Kind = "rerun"
    stage: Stage | None = None
    downstream: bool = False
    delivery: str | None = Field(default=None, max_length=255)
    analyse: bool = False

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.kind == "rerun" and self.stage is None:
            raise ValueError("a rerun job needs a stage")
        if self.kind == "ingest" and not self.delivery:
            raise ValueError("an ingest job needs a delivery from the inbox")
        return self

    def args(self) -> dict[str, Any]:
        if self.kind == "rerun":
            return {"stage": self.stage, "downstream": self.downstream}
        if self.kind == "ingest":
            return {"delivery": self.delivery, "analyse": self.analyse}
        return {}


class NewOperationJobIn(JobIn):
    """An ingest into an operation named in the form (it is created with the delivery)."""

    operation: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][\w.-]*$")


class JobOut(BaseModel):
    id: int
    kind: str
    operation: str
    args: dict[str, Any]
    status: str
    started_by: str
    created_at: str
    finished_at: str | None
    steps: list[dict[str, Any]]
    result: dict[str, Any]
    error: str


def _runner(request: Request) -> JobRunner:
    runner: JobRunner = request.app.state.jobs
    return runner


def _start(request: Request, name: str, body: JobIn, actor: Actor) -> int:
    with not_found():
        try:
            if body.kind == "ingest":  # a delivery not in the inbox is refused at once
                inbox_entry(request.app.state.settings, str(body.delivery))
            return _runner(request).submit(body.kind, name, body.args(), actor)
        except ActionRefused as exc:
            raise HTTPException(409, str(exc)) from exc


def _out(job: WebJob, live: dict[int, list[dict[str, Any]]]) -> JobOut:
    """The job as stored, with its live steps while it runs in this server."""
    steps = live.get(job.id) if job.status == "running" else None
    return JobOut(
        id=job.id,
        kind=job.kind,
        operation=job.operation,
        args=job.args,
        status=job.status,
        started_by=job.started_by,
        created_at=job.created_at.isoformat(),
        finished_at=job.finished_at.isoformat() if job.finished_at else None,
        steps=list(job.steps if steps is None else steps),
        result=dict(job.result),
        error=job.error,
    )


def _job(request: Request, job_id: int) -> JobOut:
    with state_of(request).store.session() as s:
        job = s.get(WebJob, job_id)
        if job is None:
            raise HTTPException(404, f"no job {job_id}")
        return _out(job, _runner(request).live)


def _jobs_of(request: Request, name: str) -> list[JobOut]:
    store = state_of(request).store
    with not_found():
        store.operation_id(name)
    with store.session() as s:
        rows = s.scalars(
            select(WebJob).where(WebJob.operation == name).order_by(WebJob.id.desc()).limit(RECENT)
        )
        return [_out(job, _runner(request).live) for job in rows]


@router.get("/operations/{name}/jobs")
def jobs_page(
    request: Request, name: str, actor: Annotated[Actor, Depends(Need("jobs.view"))]
) -> Response:
    context = {
        "operation": name,
        "jobs": _jobs_of(request, name),
        "inbox": inbox_entries(request.app.state.settings),
    }
    return page(request, "jobs.html", context)


@router.post("/operations/{name}/jobs")
def start_form(
    request: Request,
    name: str,
    actor: Annotated[Actor, Depends(Need("jobs.run"))],
    form: Annotated[JobIn, Form()],
) -> Response:
    return RedirectResponse(f"/jobs/{_start(request, name, form, actor)}", status_code=303)


@router.post("/jobs")
def start_new_operation_form(
    request: Request,
    actor: Annotated[Actor, Depends(Need("jobs.run"))],
    form: Annotated[NewOperationJobIn, Form()],
) -> Response:
    """The operations page's ingest form: the operation is named in the form."""
    job_id = _start(request, form.operation, form, actor)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get("/jobs/{job_id}")
def job_page(
    request: Request, job_id: RecordId, actor: Annotated[Actor, Depends(Need("jobs.view"))]
) -> Response:
    return page(request, "job.html", {"job": _job(request, job_id)})


@api.post("/operations/{name}/jobs", status_code=202)
def start_api(
    request: Request,
    name: str,
    body: JobIn,
    actor: Annotated[Actor, Depends(Need("jobs.run"))],
) -> JobOut:
    """Start a job in the background: re-run a stage (with ``downstream``, every later one),
    ingest a delivery from the inbox (an operation not yet known is created with it; with
    ``analyse``, every later stage runs too), or write the operation report."""
    return _job(request, _start(request, name, body, actor))


@api.get("/operations/{name}/jobs")
def jobs_api(
    request: Request, name: str, actor: Annotated[Actor, Depends(Need("jobs.view"))]
) -> list[JobOut]:
    """The operation's most recent jobs, newest first."""
    return _jobs_of(request, name)


@api.get("/inbox")
def inbox_api(request: Request, actor: Annotated[Actor, Depends(Need("jobs.run"))]) -> list[str]:
    """The deliveries waiting in the inbox (``SAFEGUARD_INBOX``) that a job may ingest."""
    return inbox_entries(request.app.state.settings)


@api.get("/jobs/{job_id}")
def job_api(
    request: Request, job_id: RecordId, actor: Annotated[Actor, Depends(Need("jobs.view"))]
) -> JobOut:
    """A job's status and the progress of each of its steps."""
    return _job(request, job_id)


def _report_file(request: Request, job_id: int, file: str, actor: Actor) -> Response:
    job = _job(request, job_id)
    name = job.result.get("files", {}).get(file) if job.kind == "report" else None
    path = request.app.state.settings.reports_dir / str(name)
    if job.status != "done" or not name or not path.is_file():
        raise HTTPException(404, f"job {job_id} has no {file} report to download")
    with state_of(request).store.session() as s:
        audit.append(
            s, actor.username, "report.download", job.operation,
            {"job": job_id, "file": path.name, "client": actor.client},
        )  # fmt: skip
    media = {"pdf": "application/pdf", "html": "text/html"}[file]
    return FileResponse(path, filename=path.name, media_type=media)  # an attachment


ReportFile = Annotated[Literal["pdf", "html"], Query(description="which file of the report")]


@router.get("/jobs/{job_id}/download")
def report_download(
    request: Request,
    job_id: RecordId,
    actor: Annotated[Actor, Depends(Need("jobs.view"))],
    file: ReportFile = "pdf",
) -> Response:
    return _report_file(request, job_id, file, actor)


@api.get("/jobs/{job_id}/download", response_class=FileResponse)
def report_download_api(
    request: Request,
    job_id: RecordId,
    actor: Annotated[Actor, Depends(Need("jobs.view"))],
    file: ReportFile = "pdf",
) -> Response:
    """A finished report job's PDF or HTML file (audited as an export)."""
    return _report_file(request, job_id, file, actor)
