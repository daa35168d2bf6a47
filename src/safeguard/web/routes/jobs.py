"""Starting long work from the web and following it: the job page polls its own progress."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from safeguard.authz import Actor
from safeguard.errors import ActionRefused
from safeguard.store.models import WebJob
from safeguard.web.deps import Need, state_of
from safeguard.web.jobs import JobRunner
from safeguard.web.render import page
from safeguard.web.routes.errors import not_found
from safeguard.web.schemas import ERROR_RESPONSES, RecordId

__all__ = ["api", "router"]

router = APIRouter(include_in_schema=False)  # HTML pages: not part of the REST API
api = APIRouter(prefix="/api/v1", tags=["jobs"], responses=ERROR_RESPONSES)
Stage = Literal["match", "attribute", "resolve", "assess", "package", "track"]


class RerunIn(BaseModel):
    stage: Stage
    downstream: bool = False


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


def _start(request: Request, name: str, body: RerunIn, actor: Actor) -> int:
    with not_found():
        try:
            return _runner(request).submit("rerun", name, body.model_dump(), actor)
        except ActionRefused as exc:
            raise HTTPException(409, str(exc)) from exc


def _job(request: Request, job_id: int) -> JobOut:
    with state_of(request).store.session() as s:
        job = s.get(WebJob, job_id)
        if job is None:
            raise HTTPException(404, f"no job {job_id}")
        return JobOut(
            id=job.id,
            kind=job.kind,
            operation=job.operation,
            args=job.args,
            status=job.status,
            started_by=job.started_by,
            created_at=job.created_at.isoformat(),
            finished_at=job.finished_at.isoformat() if job.finished_at else None,
            steps=list(job.steps),
            result=dict(job.result),
            error=job.error,
        )


@router.post("/operations/{name}/jobs")
def start_form(
    request: Request,
    name: str,
    actor: Annotated[Actor, Depends(Need("jobs.run"))],
    form: Annotated[RerunIn, Form()],
) -> Response:
    return RedirectResponse(f"/jobs/{_start(request, name, form, actor)}", status_code=303)


@router.get("/jobs/{job_id}")
def job_page(
    request: Request, job_id: RecordId, actor: Annotated[Actor, Depends(Need("jobs.view"))]
) -> Response:
    return page(request, "job.html", {"job": _job(request, job_id)})


@api.post("/operations/{name}/jobs", status_code=202)
def start_api(
    request: Request,
    name: str,
    body: RerunIn,
    actor: Annotated[Actor, Depends(Need("jobs.run"))],
) -> JobOut:
    """Re-run a stage (and, with downstream, every later one) in the background."""
    return _job(request, _start(request, name, body, actor))


@api.get("/jobs/{job_id}")
def job_api(
    request: Request, job_id: RecordId, actor: Annotated[Actor, Depends(Need("jobs.view"))]
) -> JobOut:
    """A job's status and the progress of each of its steps."""
    return _job(request, job_id)
