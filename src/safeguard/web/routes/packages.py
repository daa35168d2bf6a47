"""The package pages: an operation's packages (by status and force), one package's preview,
and its workflow (choose the recipient, approve, send, acknowledge, record outcomes).

Each step calls :mod:`safeguard.web.workflow`, i.e. the lifecycle and outcome functions the
CLI calls; a step refused on its merits re-renders the page with the reason (``409``), and
a package the actor may not see is ``404``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from safeguard.authz import Actor
from safeguard.errors import ActionRefused
from safeguard.package.lifecycle import STATUSES
from safeguard.refdata import uk
from safeguard.track.outcomes import OUTCOME_KINDS
from safeguard.web import workflow
from safeguard.web.deps import Need, state_of
from safeguard.web.queries import package_list
from safeguard.web.render import page
from safeguard.web.routes.errors import not_found
from safeguard.web.workflow import OutcomeForm

__all__ = ["DONE", "router"]

router = APIRouter(include_in_schema=False)  # HTML pages: not part of the REST API
PAGE = 100
#: What the page says after a step succeeded (``?done=<step>``).
DONE = {
    "approve": "Approved.",
    "send": "Sent: sealed to the recipient's key and written to the outbox.",
    "recipient": "Recipient changed.",
    "received": "Marked received.",
    "acknowledged": "Acknowledged.",
    "outcome": "Outcome recorded.",
}
_FREE_TEXT = r"^[^\x00]*$"


class ListQuery(BaseModel):
    status: str = Field("", max_length=20)
    force: str = Field("", max_length=80)
    offset: int = Field(0, ge=0, le=10_000_000)


@router.get("/operations/{name}/packages")
def packages_page(
    request: Request,
    name: str,
    actor: Annotated[Actor, Depends(Need("packages.view"))],
    q: Annotated[ListQuery, Query()],
) -> Response:
    """The operation's packages the actor may see, filtered by status and force."""
    with not_found():
        items = package_list(
            state_of(request).store,
            actor,
            operation=name,
            status=q.status or None,
            force=q.force or None,
            limit=PAGE + 1,
            offset=q.offset,
        )
    context: dict[str, Any] = {
        "operation": name,
        "packages": items[:PAGE],
        "more": len(items) > PAGE,
        "q": q,
        "page": PAGE,
        "statuses": STATUSES,
        "forces": uk.forces(),
    }
    return page(request, "packages.html", context)


def _package_page(
    request: Request,
    reference: str,
    *,
    error: str = "",
    done: str = "",
    entered: dict[str, Any] | None = None,
) -> Response:
    store = state_of(request).store
    actor: Actor = request.state.actor
    with not_found():
        doc = workflow.package_view(store, actor, reference)
    context: dict[str, Any] = {
        "p": doc,
        "c": doc["content"],
        "outcomes": workflow.outcomes_of(store, actor, reference),
        "error": error,
        "done": DONE.get(done, ""),
        "entered": entered or {},
        "kinds": OUTCOME_KINDS,
        "recipients": workflow.recipient_choices(),
        "today": datetime.now(UTC).date().isoformat(),
    }
    return page(request, "package.html", context, status=409 if error else 200)


@router.get("/packages/{reference}")
def package_page(
    request: Request,
    reference: str,
    actor: Annotated[Actor, Depends(Need("packages.view"))],
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """The preview, status history, outcomes, and the steps the actor may take."""
    return _package_page(request, reference, done=done)


def _done(reference: str, step: str) -> Response:
    return RedirectResponse(f"/packages/{reference}?done={step}", status_code=303)


@router.post("/packages/{reference}/approve")
def approve_form(
    request: Request, reference: str, actor: Annotated[Actor, Depends(Need("packages.approve"))]
) -> Response:
    with not_found():
        try:
            workflow.approve(state_of(request).store, actor, reference)
        except ActionRefused as exc:
            return _package_page(request, reference, error=str(exc))
    return _done(reference, "approve")


@router.post("/packages/{reference}/send")
def send_form(
    request: Request, reference: str, actor: Annotated[Actor, Depends(Need("packages.send"))]
) -> Response:
    settings = request.app.state.settings
    with not_found():
        try:
            workflow.send(state_of(request).store, settings, actor, reference)
        except ActionRefused as exc:
            return _package_page(request, reference, error=str(exc))
    return _done(reference, "send")


class RecipientForm(BaseModel):
    recipient: str = Field(..., min_length=1, max_length=80, pattern=_FREE_TEXT)


@router.post("/packages/{reference}/recipient")
def recipient_form(
    request: Request,
    reference: str,
    actor: Annotated[Actor, Depends(Need("packages.recipient"))],
    form: Annotated[RecipientForm, Form()],
) -> Response:
    with not_found():
        try:
            workflow.set_recipient(state_of(request).store, actor, reference, form.recipient)
        except ActionRefused as exc:
            return _package_page(request, reference, error=str(exc))
    return _done(reference, "recipient")


class AcknowledgeForm(BaseModel):
    step: str = Field("acknowledged", max_length=20)


@router.post("/packages/{reference}/acknowledge")
def acknowledge_form(
    request: Request,
    reference: str,
    actor: Annotated[Actor, Depends(Need("packages.acknowledge"))],
    form: Annotated[AcknowledgeForm, Form()],
) -> Response:
    with not_found():
        try:
            workflow.acknowledge(state_of(request).store, actor, reference, form.step)
        except ActionRefused as exc:
            return _package_page(request, reference, error=str(exc))
    step = form.step if form.step in DONE else "acknowledged"
    return _done(reference, step)


class OutcomeFormIn(BaseModel):
    """The record-outcome form; which fields matter depends on the kind (see the page)."""

    kind: str = Field(..., max_length=40)
    occurred_on: str = Field(..., max_length=10)
    count: int = Field(1, ge=-1_000_000, le=1_000_000)
    offences: str = Field("", max_length=2000, pattern=_FREE_TEXT)
    sentence: str = Field("", max_length=2000, pattern=_FREE_TEXT)
    serious_risk: int = Field(0, ge=-1_000_000, le=1_000_000)
    detail: str = Field("", max_length=2000, pattern=_FREE_TEXT)

    def parsed(self) -> OutcomeForm:
        try:
            day = date.fromisoformat(self.occurred_on)
        except ValueError as exc:
            raise ActionRefused(f"date: not a date (YYYY-MM-DD): {self.occurred_on!r}") from exc
        return OutcomeForm(
            self.kind,
            day,
            self.count,
            self.offences.strip(),
            self.sentence.strip(),
            self.serious_risk,
            self.detail.strip(),
        )


@router.post("/packages/{reference}/outcomes")
def outcome_form(
    request: Request,
    reference: str,
    actor: Annotated[Actor, Depends(Need("outcomes.record"))],
    form: Annotated[OutcomeFormIn, Form()],
) -> Response:
    """Record one outcome; a refusal (future date, conviction without a charge...) is shown
    on the form with what was entered."""
    with not_found():
        try:
            workflow.record(state_of(request).store, actor, reference, form.parsed())
        except ActionRefused as exc:
            return _package_page(request, reference, error=str(exc), entered=form.model_dump())
    return _done(reference, "outcome")
