"""REST API ``/api/v1``: the records the pages show, for other tools (token or session)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder

from safeguard import track
from safeguard.access import list_users
from safeguard.authz import Actor
from safeguard.errors import ActionRefused
from safeguard.package.lifecycle import STATUSES
from safeguard.store.audit import check_chain
from safeguard.web import workflow
from safeguard.web.deps import Need, state_of
from safeguard.web.queries import (
    MAX_PAGE,
    find_package,
    operation_names,
    package_list,
    subject_doc,
    triage_queue,
)
from safeguard.web.routes.errors import not_found
from safeguard.web.routes.subjects import QueueQuery
from safeguard.web.schemas import (
    ERROR_RESPONSES,
    AcknowledgeIn,
    AuditVerifyOut,
    ErrorOut,
    MeOut,
    OutcomeIn,
    OutcomeOut,
    PackageOut,
    QueueItemOut,
    RecipientIn,
    SummaryOut,
    UserOut,
)
from safeguard.web.workflow import OutcomeForm

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["api"], responses=ERROR_RESPONSES)
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
Status = Literal[STATUSES]  # type: ignore[valid-type]
_REFUSED: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorOut, "description": "The step was refused on its merits (see detail)."}
}


@router.get("/me")
def me(actor: Annotated[Actor, Depends(Need("account.view"))]) -> MeOut:
    scopes = sorted(actor.scopes) if actor.scopes is not None else None
    return MeOut(
        username=actor.username, role=actor.role.value, force_id=actor.force_id, scopes=scopes
    )


@router.get("/operations")
def operations(
    request: Request, actor: Annotated[Actor, Depends(Need("operations.view"))]
) -> list[str]:
    return operation_names(state_of(request).store)


@router.get("/operations/{name}/summary")
def summary(
    request: Request, name: str, actor: Annotated[Actor, Depends(Need("operations.view"))]
) -> SummaryOut:
    """The dashboard's figures (`safeguard summary --json`)."""
    with not_found():
        return SummaryOut(**track.summarise(state_of(request).store, name).to_json())


@router.get("/operations/{name}/queue")
async def queue(
    request: Request,
    name: str,
    actor: Annotated[Actor, Depends(Need("queue.view"))],
    q: Annotated[QueueQuery, Query()],
    limit: Limit = 25,
) -> list[QueueItemOut]:
    """The triage queue in priority order, filtered as ``safeguard subjects list`` is."""
    store = state_of(request).store
    with not_found():
        items = triage_queue(
            store, name, actor, limit=limit, offset=q.offset, where=q.where(), sort=q.sort
        )
    return [QueueItemOut(**i.to_json()) for i in items]


@router.get("/operations/{name}/subjects/{label}")
async def subject(
    request: Request,
    name: str,
    label: str,
    actor: Annotated[Actor, Depends(Need("subjects.view"))],
) -> dict[str, Any]:
    """One subject in full: accounts, links, network, actions, assessment, attribution."""
    with not_found():
        doc: dict[str, Any] = jsonable_encoder(
            subject_doc(state_of(request).store, name, actor, label)
        )
    return doc


@router.get("/packages")
def packages(
    request: Request,
    *,
    actor: Annotated[Actor, Depends(Need("packages.view"))],
    operation: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
    status: Status | None = None,
    force: Annotated[str | None, Query(max_length=80)] = None,
) -> list[PackageOut]:
    """Packages the actor may see; ``status`` and ``force`` (force or recipient id) narrow."""
    with not_found():
        items = package_list(
            state_of(request).store,
            actor,
            operation=operation,
            limit=limit,
            offset=offset,
            status=status,
            force=force,
        )
    return [PackageOut(**i.to_json()) for i in items]


@router.get("/packages/{reference}")
def package(
    request: Request, reference: str, actor: Annotated[Actor, Depends(Need("packages.view"))]
) -> PackageOut:
    with not_found():
        return PackageOut(**find_package(state_of(request).store, actor, reference).to_json())


@router.get("/users")
def users(
    request: Request, actor: Annotated[Actor, Depends(Need("users.manage"))]
) -> list[UserOut]:
    with state_of(request).store.session() as s:
        return [UserOut(**u.__dict__) for u in list_users(s)]


@router.get("/audit/verify")
def audit_verify(
    request: Request, actor: Annotated[Actor, Depends(Need("audit.view"))]
) -> AuditVerifyOut:
    with state_of(request).store.session() as s:
        check = check_chain(s)
    return AuditVerifyOut(
        intact=check.intact,
        events=check.events,
        head_id=check.head_id,
        head_hash=check.head_hash,
        problems=[p.__dict__ for p in check.problems],
    )


def _after(request: Request, actor: Actor, reference: str) -> PackageOut:
    """The package as it is after a step (the actor may no longer see it: then a 404)."""
    with not_found():
        return PackageOut(**find_package(state_of(request).store, actor, reference).to_json())


@contextmanager
def _acting() -> Iterator[None]:
    """A record the actor may not see is 404; a step refused on its merits is 409."""
    with not_found():
        try:
            yield
        except ActionRefused as exc:
            raise HTTPException(409, str(exc)) from exc


@router.post("/packages/{reference}/approve", responses=_REFUSED)
def approve(
    request: Request, reference: str, actor: Annotated[Actor, Depends(Need("packages.approve"))]
) -> PackageOut:
    """Approve a draft (a second person: the drafter is refused)."""
    with _acting():
        workflow.approve(state_of(request).store, actor, reference)
    return _after(request, actor, reference)


@router.post("/packages/{reference}/send", responses=_REFUSED)
def send(
    request: Request, reference: str, actor: Annotated[Actor, Depends(Need("packages.send"))]
) -> PackageOut:
    """Seal an approved package to its recipient's age key and write it to the outbox."""
    with _acting():
        workflow.send(state_of(request).store, request.app.state.settings, actor, reference)
    return _after(request, actor, reference)


@router.post("/packages/{reference}/acknowledge", responses=_REFUSED)
def acknowledge(
    request: Request,
    reference: str,
    body: AcknowledgeIn,
    actor: Annotated[Actor, Depends(Need("packages.acknowledge"))],
) -> PackageOut:
    """The recipient marks a sent package received or acknowledged."""
    with _acting():
        workflow.acknowledge(state_of(request).store, actor, reference, body.step)
    return _after(request, actor, reference)


@router.post("/packages/{reference}/recipient", responses=_REFUSED)
def recipient(
    request: Request,
    reference: str,
    body: RecipientIn,
    actor: Annotated[Actor, Depends(Need("packages.recipient"))],
) -> PackageOut:
    """Choose a draft's recipient (a force, a ROCU or the agency)."""
    with _acting():
        workflow.set_recipient(state_of(request).store, actor, reference, body.recipient)
    return _after(request, actor, reference)


@router.get("/packages/{reference}/outcomes")
def outcomes(
    request: Request, reference: str, actor: Annotated[Actor, Depends(Need("outcomes.view"))]
) -> list[OutcomeOut]:
    """The outcomes recorded against a package, oldest first."""
    with not_found():
        return [
            OutcomeOut(**o) for o in workflow.outcomes_of(state_of(request).store, actor, reference)
        ]


@router.post("/packages/{reference}/outcomes", responses=_REFUSED)
def record_outcome(
    request: Request,
    reference: str,
    body: OutcomeIn,
    actor: Annotated[Actor, Depends(Need("outcomes.record"))],
) -> OutcomeOut:
    """Record one outcome; a future date, a package not sent, a conviction without an
    earlier charge... are refused (409) with every reason."""
    form = OutcomeForm(**body.model_dump())
    store = state_of(request).store
    with _acting():
        outcome_id = workflow.record(store, actor, reference, form)
        recorded = workflow.outcomes_of(store, actor, reference)
    return OutcomeOut(**next(o for o in recorded if o["id"] == outcome_id))
