"""After an analyst's split, merge or undo: the changed subjects are attributed and assessed.

A split, merge or undo replaces subjects, and their attribution and assessment go with them
(``resolve.subjects`` drops derived rows of a changed subject). This composes the stages that
rebuild them — subject attribution from the stored account attributions, then the assess
stage through its public entry point — so the new subjects have a force and a tier as part
of the action. Like :mod:`safeguard.pipeline`, it only composes stages.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from safeguard import assess, attribute
from safeguard.config import Settings
from safeguard.progress import NULL_PROGRESS, Progress
from safeguard.store.db import Store
from safeguard.store.models import Attribution, Operation

__all__ = ["Refreshed", "refresh_subjects"]


@dataclass(frozen=True)
class Refreshed:
    """What was redone; ``stale`` says why nothing could be (the next run picks them up)."""

    attributed: int = 0
    assessed: bool = False
    stale: str = ""


def _accounts_attributed(store: Store, op_id: int) -> bool:
    with store.session() as s:
        query = select(Attribution.id).where(
            Attribution.operation_id == op_id, Attribution.subject_id.is_(None)
        )
        return s.scalar(query.limit(1)) is not None


def refresh_subjects(
    store: Store, settings: Settings, operation_id: int, *, progress: Progress = NULL_PROGRESS
) -> Refreshed:
    """Attribute the operation's subjects again and re-run assess (after a subject action).

    Before the attribute stage has run there is nothing to pool: the subjects stay without
    attribution and assessment, and ``stale`` says which run will give them one.
    """
    with store.session() as s:
        name = s.scalar(select(Operation.name).where(Operation.id == operation_id))
    if name is None or not _accounts_attributed(store, operation_id):
        return Refreshed(stale="accounts not attributed yet: run `safeguard rerun attribute`")
    found = attribute.attribute_subjects(store, settings, name, progress=progress)
    assess.run(store, settings, name, progress=progress)
    return Refreshed(attributed=found.attributed, assessed=True)
