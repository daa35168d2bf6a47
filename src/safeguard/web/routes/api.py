"""REST API ``/api/v1``: the records the pages show, for other tools (token or session)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.encoders import jsonable_encoder

from safeguard import track
from safeguard.access import list_users
from safeguard.authz import Actor
from safeguard.store.audit import check_chain
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
    AuditVerifyOut,
    MeOut,
    PackageOut,
    QueueItemOut,
    UserOut,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["api"], responses=ERROR_RESPONSES)
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


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
) -> dict[str, Any]:
    with not_found():
        return track.summarise(state_of(request).store, name).to_json()


@router.get("/operations/{name}/queue")
def queue(
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
def subject(
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
    actor: Annotated[Actor, Depends(Need("packages.view"))],
    operation: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[PackageOut]:
    with not_found():
        items = package_list(
            state_of(request).store, actor, operation=operation, limit=limit, offset=offset
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
