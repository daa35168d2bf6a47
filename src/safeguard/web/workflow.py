"""The package workflow and analysts' overrides from the web: the same functions the CLI calls.

Every step here calls :mod:`safeguard.package.lifecycle`, :func:`safeguard.track.record_outcome`
or :mod:`safeguard.assess.overrides`, which check, audit and refuse exactly as they do for
``safeguard packages approve|send|ack|recipient``, ``safeguard outcomes record`` and
``safeguard subjects override``. A package the actor may not act on is *not found*
(:func:`safeguard.authz.may` with the package's force); a step refused on its merits (the
drafter approving, a recipient without an age key, a date in the future...) raises
:class:`~safeguard.errors.ActionRefused` with the message the person acting is shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from safeguard import authz
from safeguard.authz import Actor
from safeguard.config import Settings
from safeguard.errors import ActionRefused, ConfigError, NotFoundError
from safeguard.store.db import Store
from safeguard.store.models import (
    Assessment,
    IntelPackage,
    Operation,
    Outcome,
    RecipientKey,
    Subject,
)

if TYPE_CHECKING:
    from safeguard.assess.ruleset import Ruleset

__all__ = [
    "OutcomeForm",
    "Target",
    "acknowledge",
    "approve",
    "clear_override",
    "outcomes_of",
    "override",
    "override_state",
    "package_view",
    "recipient_choices",
    "record",
    "ruleset_of",
    "send",
    "set_recipient",
]


@dataclass(frozen=True)
class Target:
    """The package an action is about: its operation (by name) and reference."""

    operation: str
    reference: str


@dataclass(frozen=True)
class OutcomeForm:
    """One outcome as a person enters it (the fields of ``safeguard outcomes record``)."""

    kind: str
    occurred_on: date
    count: int = 1
    offences: str = ""
    sentence: str = ""
    serious_risk: int = 0
    detail: str = ""


@contextmanager
def _refusal() -> Iterator[None]:
    """A missing key or setting met inside a step is a refusal of the step, not a 404."""
    try:
        yield
    except (NotFoundError, ConfigError) as exc:
        raise ActionRefused(str(exc)) from exc


def _target(store: Store, actor: Actor, reference: str, action: str) -> Target:
    """The package if ``actor`` may do ``action`` to it, else :class:`NotFoundError`."""
    q = (
        select(Operation.name, IntelPackage.force_id)
        .join(Operation, Operation.id == IntelPackage.operation_id)
        .where(IntelPackage.reference == reference)
    )
    with store.session() as s:
        row = s.execute(q).first()
    if row is None or not authz.may(actor, action, row.force_id):
        raise NotFoundError(f"no package {reference!r}")
    return Target(row.name, reference)


def approve(store: Store, actor: Actor, reference: str) -> Target:
    from safeguard.package import lifecycle

    t = _target(store, actor, reference, "packages.approve")
    with _refusal():
        lifecycle.approve(store, t.operation, reference, user=actor.username)
    return t


def send(store: Store, settings: Settings, actor: Actor, reference: str) -> Target:
    """Seal to the recipient's age key and write to the outbox; no key is a refusal."""
    from safeguard.package import lifecycle

    t = _target(store, actor, reference, "packages.send")
    with _refusal():
        lifecycle.send(store, settings, t.operation, reference, user=actor.username)
    return t


def acknowledge(store: Store, actor: Actor, reference: str, step: str) -> Target:
    """``step``: "received" or "acknowledged" (as ``safeguard packages ack``)."""
    from safeguard.package import lifecycle

    t = _target(store, actor, reference, "packages.acknowledge")
    with _refusal():
        lifecycle.acknowledge(store, t.operation, reference, user=actor.username, step=step)
    return t


def set_recipient(store: Store, actor: Actor, reference: str, recipient: str) -> Target:
    """Choose a draft's recipient: a force id, ``rocu:<name>`` or ``agency``."""
    from safeguard.package import lifecycle

    t = _target(store, actor, reference, "packages.recipient")
    with _refusal():
        lifecycle.set_recipient(store, t.operation, reference, recipient, user=actor.username)
    return t


def record(store: Store, actor: Actor, reference: str, form: OutcomeForm) -> int:
    """Record one outcome against the package; the id of the outcome recorded."""
    from safeguard.track import record_outcome

    t = _target(store, actor, reference, "outcomes.record")
    with _refusal():
        return record_outcome(
            store,
            t.operation,
            reference,
            form.kind,
            form.occurred_on,
            count=form.count,
            detail=form.detail,
            offences=form.offences,
            sentence=form.sentence,
            serious_risk=form.serious_risk,
            user=actor.username,
            source="web",
        )


def outcomes_of(store: Store, actor: Actor, reference: str) -> list[dict[str, Any]]:
    """The outcomes recorded against a package the actor may see, oldest first."""
    _target(store, actor, reference, "outcomes.view")
    q = (
        select(Outcome)
        .join(IntelPackage, IntelPackage.id == Outcome.package_id)
        .where(IntelPackage.reference == reference, authz.outcome_filter(actor))
        .order_by(Outcome.occurred_on, Outcome.id)
    )
    with store.session() as s:
        return [
            {
                "id": o.id,
                "kind": o.kind,
                "count": o.count,
                "occurred_on": o.occurred_on,
                "offences": o.offences,
                "sentence": o.sentence,
                "serious_risk": o.serious_risk,
                "detail": o.detail,
                "recorded_by": o.recorded_by,
                "recorded_at": o.recorded_at.isoformat(),
                "source": o.source,
            }
            for o in s.scalars(q)
        ]


def package_view(store: Store, actor: Actor, reference: str) -> dict[str, Any]:
    """One package as ``safeguard packages show`` gives it (lifecycle who and when, content),
    with whether its recipient has a key; :class:`NotFoundError` when the actor may not see it."""
    from safeguard.package.queries import describe

    q = (
        select(IntelPackage, Operation.name)
        .join(Operation, Operation.id == IntelPackage.operation_id)
        .where(IntelPackage.reference == reference, authz.package_filter(actor))
    )
    with store.session() as s:
        row = s.execute(q).first()
        if row is None:
            raise NotFoundError(f"no package {reference!r}")
        p, operation = row
        prior = s.get(IntelPackage, p.supersedes_id) if p.supersedes_id else None
        doc = describe(p, prior.reference if prior else None)
        doc["operation"] = operation
        doc["content"] = p.content
        doc["recipient_has_key"] = s.get(RecipientKey, p.recipient_id) is not None
    doc["recipient_name"] = dict(recipient_choices()).get(p.recipient_id, p.recipient_id)
    return doc


def recipient_choices() -> list[tuple[str, str]]:
    """Every recipient a package can go to: (id, name), the agency, ROCUs, then forces."""
    from safeguard.package.recipients import AGENCY, rocus
    from safeguard.refdata import uk

    forces = sorted(((fid, f.name) for fid, f in uk.forces().items()), key=lambda x: x[1])
    return [(AGENCY, "the agency's investigation teams"), *sorted(rocus().items()), *forces]


@lru_cache(maxsize=4)
def _read_ruleset(path: Path | None, _stamp: int) -> Ruleset:
    from safeguard.assess.ruleset import read_ruleset

    return read_ruleset(path)


def ruleset_of(settings: Settings) -> Ruleset:
    """The active ruleset, read again only when its file changes (reading and validating
    one costs tens of milliseconds: too much for every subject page)."""
    path = settings.ruleset
    try:
        stamp = path.stat().st_mtime_ns if path else 0
    except OSError:
        stamp = -1  # read_ruleset says what is wrong with the file
    return _read_ruleset(path, stamp)


def override(
    store: Store,
    settings: Settings,
    actor: Actor,
    operation: str,
    label: str,
    *,
    tier: str,
    why: str,
) -> dict[str, Any]:
    """Set the subject's tier with a justification, as ``safeguard subjects override``."""
    from safeguard.assess import overrides

    op_id = store.operation_id(operation)
    try:
        new = ruleset_of(settings).parse_tier(tier)
    except ConfigError as exc:
        raise ActionRefused(str(exc)) from exc
    result = overrides.override(store, op_id, label, new, justification=why, author=actor.username)
    return _result(result)


def clear_override(
    store: Store, actor: Actor, operation: str, label: str, *, why: str
) -> dict[str, Any]:
    """End the override in force (``safeguard subjects override --clear``)."""
    from safeguard.assess import overrides

    op_id = store.operation_id(operation)
    result = overrides.clear(store, op_id, label, justification=why, author=actor.username)
    return _result(result)


def _result(result: Any) -> dict[str, Any]:
    return {
        "label": result.label,
        "override_id": result.override_id,
        "audit_event_id": result.audit_event_id,
        "old_tier": result.old_tier,
        "new_tier": result.new_tier,
        "computed_tier": result.computed_tier,
    }


def override_state(store: Store, settings: Settings, operation: str, label: str) -> dict[str, Any]:
    """The tier in force, the computed tier, the override in force and every override made
    on the subject (author, justification, when, cleared by), and the ruleset's tiers."""
    from safeguard.assess.overrides import history

    ruleset = ruleset_of(settings)
    op_id = store.operation_id(operation)
    q = (
        select(Assessment)
        .join(Subject, Subject.id == Assessment.subject_id)
        .where(Subject.operation_id == op_id, Subject.label == label)
    )
    with store.session() as s:
        a = s.scalar(q)
        past = history(s, op_id, label, ruleset)
    tiers = [(t.tier.value, t.name) for t in ruleset.tiers]
    if a is None:
        return {"tier_in_force": None, "history": past, "tiers": tiers}
    return {
        "tier_in_force": a.tier_in_force,
        "computed_tier": a.tier,
        "override_tier": a.override_tier,
        "override_author": a.override_author,
        "override_justification": a.override_justification,
        "facts_changed": bool(a.facts_changed),
        "history": past,
        "tiers": tiers,
    }
