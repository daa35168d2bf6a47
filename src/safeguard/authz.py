"""Need to know: the one place that answers *may this actor do this action to this resource?*

Every listing of subjects, packages or outcomes takes the actor and is filtered in SQL with the
clauses here (never fetched, then hidden). A force officer is bound to one force and reaches
only that force's packages, the subjects those packages are about, and their outcomes; any
other record is "not found" to them. The policy table is documented in ``docs/security.md``
and the web app's authorisation-matrix test is generated from it and the route table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute

from safeguard.errors import AccessDenied
from safeguard.store.models import IntelPackage, Outcome, Subject

__all__ = [
    "ACTIONS",
    "FORCE_SCOPED",
    "Actor",
    "Role",
    "check",
    "may",
    "outcome_filter",
    "package_filter",
    "subject_filter",
]


class Role(StrEnum):
    ADMIN = "admin"
    ANALYST = "analyst"
    SUPERVISOR = "supervisor"
    FORCE_OFFICER = "force_officer"
    AUDITOR = "auditor"
    PARTNER = "partner"


@dataclass(frozen=True)
class Actor:
    """Who is acting: a logged-in user or the holder of an API token (with its scopes)."""

    user_id: int
    username: str
    role: Role
    force_id: str | None = None
    scopes: frozenset[str] | None = field(default=None)  # None: a browser session, no limit
    client: str = ""

    @property
    def is_force_bound(self) -> bool:
        return self.role is Role.FORCE_OFFICER


_A, _N, _S, _F, _U, _P = (
    Role.ADMIN,
    Role.ANALYST,
    Role.SUPERVISOR,
    Role.FORCE_OFFICER,
    Role.AUDITOR,
    Role.PARTNER,
)

#: action -> roles allowed. Actions in FORCE_SCOPED are further limited for force officers
#: to their own force's records by the SQL filters below.
ACTIONS: dict[str, frozenset[Role]] = {
    "operations.view": frozenset({_A, _N, _S, _U}),
    "queue.view": frozenset({_N, _S}),
    "subjects.view": frozenset({_N, _S, _F}),
    "subjects.change": frozenset({_N, _S}),
    "packages.view": frozenset({_N, _S, _F}),
    "packages.download": frozenset({_N, _S, _F}),
    "packages.recipient": frozenset({_N, _S}),
    "packages.approve": frozenset({_S}),
    "packages.send": frozenset({_S}),
    "packages.acknowledge": frozenset({_F}),
    "outcomes.view": frozenset({_N, _S, _F, _U}),
    "outcomes.record": frozenset({_N, _S, _F}),
    "jobs.run": frozenset({_N, _S}),
    "jobs.view": frozenset({_A, _N, _S}),
    "hashsets.view": frozenset({_A, _N, _S}),
    "deliveries.view": frozenset({_A, _N, _S}),
    "match.query": frozenset({_N, _S, _P}),
    "audit.view": frozenset({_A, _U}),
    "users.manage": frozenset({_A}),
    "tokens.manage": frozenset({_A, _N, _S, _F, _U, _P}),
    "account.view": frozenset({_A, _N, _S, _F, _U, _P}),
}
FORCE_SCOPED = frozenset(
    {
        "subjects.view",
        "packages.view",
        "packages.download",
        "packages.acknowledge",
        "outcomes.view",
        "outcomes.record",
    }
)


def may(actor: Actor, action: str, force_id: str | None = None) -> bool:
    """True when ``actor`` may do ``action`` (to a record of ``force_id``, if it has one)."""
    roles = ACTIONS.get(action)
    if roles is None or actor.role not in roles:
        return False
    if actor.scopes is not None and action not in actor.scopes:
        return False
    if actor.is_force_bound and action in FORCE_SCOPED and force_id is not None:
        return force_id == actor.force_id
    return True


def check(actor: Actor, action: str, force_id: str | None = None) -> None:
    """:func:`may` or :class:`AccessDenied`."""
    if not may(actor, action, force_id):
        raise AccessDenied(f"{actor.username} ({actor.role}) may not {action}")


def package_filter(actor: Actor) -> ColumnElement[bool]:
    """WHERE clause over ``intel_package`` rows the actor may see."""
    if not may(actor, "packages.view"):
        return false()
    if actor.is_force_bound:
        return IntelPackage.force_id == (actor.force_id or "")
    return true()


def subject_filter(
    actor: Actor, subject_id: InstrumentedAttribute[int] | None = None
) -> ColumnElement[bool]:
    """WHERE clause over ``subject`` rows (or rows whose ``subject_id`` column is given): a
    force officer sees subjects of their packages."""
    if not may(actor, "subjects.view"):
        return false()
    if actor.is_force_bound:
        mine = select(IntelPackage.subject_id).where(package_filter(actor))
        return (Subject.id if subject_id is None else subject_id).in_(mine)
    return true()


def outcome_filter(actor: Actor) -> ColumnElement[bool]:
    """WHERE clause over ``outcome`` rows: a force officer sees their packages' outcomes."""
    if not may(actor, "outcomes.view"):
        return false()
    if actor.is_force_bound:
        mine = select(IntelPackage.id).where(package_filter(actor))
        by_subject = select(IntelPackage.subject_id).where(package_filter(actor))
        return or_(Outcome.package_id.in_(mine), Outcome.subject_id.in_(by_subject))
    return true()
