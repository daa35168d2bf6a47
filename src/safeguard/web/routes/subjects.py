"""The analyst's workspace: the triage queue (filtered, paginated) and one subject, with
split and merge (justified, audited) from the page and from the API."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from safeguard import resolve
from safeguard.authz import Actor
from safeguard.errors import ActionRefused
from safeguard.refdata import uk
from safeguard.refresh import refresh_subjects
from safeguard.resolve.actions import ActionResult
from safeguard.resolve.query import account_ids_for
from safeguard.web import workflow
from safeguard.web.deps import Need, state_of
from safeguard.web.queries import QueueFilter, subject_doc, triage_queue
from safeguard.web.render import page
from safeguard.web.routes.errors import not_found
from safeguard.web.schemas import ERROR_RESPONSES, ErrorOut

__all__ = ["QueueQuery", "api", "router"]

router = APIRouter(include_in_schema=False)  # HTML pages: not part of the REST API
api = APIRouter(prefix="/api/v1", tags=["subjects"], responses=ERROR_RESPONSES)
PAGE = 50


YesNo = Literal["", "yes", "no"]
_YES_NO = {"yes": True, "no": False}


class QueueQuery(BaseModel):
    """The queue's filters (the page's form and the API), as ``safeguard subjects list``."""

    tier: list[str] = Field(default_factory=list, max_length=4)
    force: str = Field("", max_length=60)
    rocu: str = Field("", max_length=80)
    confidence: str = Field("", max_length=10)
    role: str = Field("", max_length=40)
    flag: str = Field("", max_length=60)
    trust: YesNo = ""
    deconflicted: YesNo = ""
    overridden: YesNo = ""
    facts_changed: YesNo = ""
    sort: Literal["priority", "score", "label"] = "priority"
    offset: int = Field(0, ge=0, le=10_000_000)

    def where(self) -> QueueFilter:
        return QueueFilter(
            tiers=tuple(t for t in self.tier if t),
            force=self.force or None,
            rocu=self.rocu or None,
            confidence=self.confidence or None,
            role=self.role or None,
            flag=self.flag or None,
            position_of_trust=_YES_NO.get(self.trust),
            deconfliction=_YES_NO.get(self.deconflicted),
            overridden=_YES_NO.get(self.overridden),
            facts_changed=_YES_NO.get(self.facts_changed),
        )


@router.get("/operations/{name}/queue")
async def queue_page(
    request: Request,
    name: str,
    actor: Annotated[Actor, Depends(Need("queue.view"))],
    q: Annotated[QueueQuery, Query()],
) -> Response:
    where, offset = q.where(), q.offset
    with not_found():
        items = triage_queue(
            state_of(request).store, name, actor, limit=PAGE + 1, offset=offset, where=where,
            sort=q.sort,
        )  # fmt: skip
    context: dict[str, Any] = {
        "operation": name,
        "queue": items[:PAGE],
        "more": len(items) > PAGE,
        "offset": offset,
        "page": PAGE,
        "where": where,
        "form": q,
        "query": request.url.query,
        "forces": uk.forces(),
    }
    return page(request, "queue.html", context)


@router.get("/operations/{name}/subjects/{label}")
async def subject_page(
    request: Request,
    name: str,
    label: str,
    actor: Annotated[Actor, Depends(Need("subjects.view"))],
) -> Response:
    return _subject_page(request, name, label, actor)


def _subject_page(
    request: Request, name: str, label: str, actor: Actor, *, error: str = ""
) -> Response:
    store = state_of(request).store
    with not_found():
        doc = subject_doc(store, name, actor, label)
        tier = workflow.override_state(store, request.app.state.settings, name, label)
    context = {"operation": name, "s": doc, "t": tier, "forces": uk.forces(), "error": error}
    return page(request, "subject.html", context, status=409 if error else 200)


def _refreshed(request: Request, result: ActionResult) -> list[str]:
    """The action's subjects re-attributed and re-assessed, as the CLI's actions do."""
    refresh_subjects(state_of(request).store, request.app.state.settings, result.operation_id)
    return list(result.labels)


def _merge(request: Request, name: str, labels: list[str], why: str, actor: Actor) -> list[str]:
    store = state_of(request).store
    with not_found():
        op_id = store.operation_id(name)
        try:
            result = resolve.merge(store, op_id, labels, justification=why, author=actor.username)
        except ActionRefused as exc:
            raise HTTPException(409, str(exc)) from exc
    return _refreshed(request, result)


def _split(request: Request, name: str, accounts: list[str], why: str, actor: Actor) -> list[str]:
    store = state_of(request).store
    with not_found():
        op_id = store.operation_id(name)
        with store.session() as s:
            ids = account_ids_for(s, op_id, accounts)
        try:
            result = resolve.split(store, op_id, ids, justification=why, author=actor.username)
        except ActionRefused as exc:
            raise HTTPException(409, str(exc)) from exc
    return _refreshed(request, result)


class MergeForm(BaseModel):
    other: str = Field(..., max_length=40)
    justification: str = Field(..., min_length=1, max_length=2000)


class SplitForm(BaseModel):
    accounts: str = Field(..., max_length=2000)
    justification: str = Field(..., min_length=1, max_length=2000)


@router.post("/operations/{name}/subjects/{label}/merge")
def merge_form(
    request: Request,
    name: str,
    label: str,
    actor: Annotated[Actor, Depends(Need("subjects.change"))],
    form: Annotated[MergeForm, Form()],
) -> Response:
    labels = _merge(request, name, [label, form.other], form.justification, actor)
    return RedirectResponse(f"/operations/{name}/subjects/{labels[0]}", status_code=303)


@router.post("/operations/{name}/subjects/{label}/split")
def split_form(
    request: Request,
    name: str,
    label: str,
    actor: Annotated[Actor, Depends(Need("subjects.change"))],
    form: Annotated[SplitForm, Form()],
) -> Response:
    _split(request, name, form.accounts.split(), form.justification, actor)
    return RedirectResponse(f"/operations/{name}/subjects/{label}", status_code=303)


class MergeIn(BaseModel):
    labels: list[str] = Field(..., min_length=2, max_length=50)
    justification: str = Field(..., min_length=1, max_length=2000)


class SplitIn(BaseModel):
    accounts: list[str] = Field(..., min_length=1, max_length=1000)
    justification: str = Field(..., min_length=1, max_length=2000)


class ActionOut(BaseModel):
    labels: list[str]


_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorOut, "description": "The action was refused."}
}


@api.post("/operations/{name}/subjects/merge", responses=_CONFLICT)
def merge_api(
    request: Request,
    name: str,
    body: MergeIn,
    actor: Annotated[Actor, Depends(Need("subjects.change"))],
) -> ActionOut:
    """Merge subjects into one (justified, audited, survives re-runs)."""
    return ActionOut(labels=_merge(request, name, body.labels, body.justification, actor))


@api.post("/operations/{name}/subjects/split", responses=_CONFLICT)
def split_api(
    request: Request,
    name: str,
    body: SplitIn,
    actor: Annotated[Actor, Depends(Need("subjects.change"))],
) -> ActionOut:
    """Split accounts (platform ids) out of their subject (justified, audited)."""
    return ActionOut(labels=_split(request, name, body.accounts, body.justification, actor))


_NO_NUL = r"^[^\x00]*$"


class OverrideForm(BaseModel):
    tier: str = Field(..., min_length=1, max_length=40, pattern=_NO_NUL)
    justification: str = Field(..., min_length=1, max_length=2000, pattern=_NO_NUL)


class ClearOverrideForm(BaseModel):
    justification: str = Field(..., min_length=1, max_length=2000, pattern=_NO_NUL)


class OverrideOut(BaseModel):
    label: str
    override_id: int | None
    audit_event_id: int
    old_tier: str
    new_tier: str
    computed_tier: str


def _override(
    request: Request, name: str, label: str, actor: Actor, form: OverrideForm
) -> dict[str, Any]:
    store, settings = state_of(request).store, request.app.state.settings
    with not_found():
        return workflow.override(
            store, settings, actor, name, label, tier=form.tier, why=form.justification
        )


def _clear(
    request: Request, name: str, label: str, actor: Actor, form: ClearOverrideForm
) -> dict[str, Any]:
    with not_found():
        return workflow.clear_override(
            state_of(request).store, actor, name, label, why=form.justification
        )


@router.post("/operations/{name}/subjects/{label}/override")
def override_form(
    request: Request,
    name: str,
    label: str,
    actor: Annotated[Actor, Depends(Need("subjects.change"))],
    form: Annotated[OverrideForm, Form()],
) -> Response:
    """Set the subject's tier (justified, audited, kept across re-assessments)."""
    try:
        _override(request, name, label, actor, form)
    except ActionRefused as exc:
        return _subject_page(request, name, label, actor, error=str(exc))
    return RedirectResponse(f"/operations/{name}/subjects/{label}", status_code=303)


@router.post("/operations/{name}/subjects/{label}/override/clear")
def clear_override_form(
    request: Request,
    name: str,
    label: str,
    actor: Annotated[Actor, Depends(Need("subjects.change"))],
    form: Annotated[ClearOverrideForm, Form()],
) -> Response:
    """End the override in force: the computed tier applies again."""
    try:
        _clear(request, name, label, actor, form)
    except ActionRefused as exc:
        return _subject_page(request, name, label, actor, error=str(exc))
    return RedirectResponse(f"/operations/{name}/subjects/{label}", status_code=303)


@api.post("/operations/{name}/subjects/{label}/override", responses=_CONFLICT)
def override_api(
    request: Request,
    name: str,
    label: str,
    body: OverrideForm,
    actor: Annotated[Actor, Depends(Need("subjects.change"))],
) -> OverrideOut:
    """Set a subject's tier (code or name) with a justification, as `subjects override`."""
    try:
        return OverrideOut(**_override(request, name, label, actor, body))
    except ActionRefused as exc:
        raise HTTPException(409, str(exc)) from exc


@api.post("/operations/{name}/subjects/{label}/override/clear", responses=_CONFLICT)
def clear_override_api(
    request: Request,
    name: str,
    label: str,
    body: ClearOverrideForm,
    actor: Annotated[Actor, Depends(Need("subjects.change"))],
) -> OverrideOut:
    """End the override in force (`subjects override --clear`)."""
    try:
        return OverrideOut(**_clear(request, name, label, actor, body))
    except ActionRefused as exc:
        raise HTTPException(409, str(exc)) from exc
