"""The append-only, hash-chained audit log.

Each :class:`~safeguard.store.models.AuditEvent` carries ``prev_hash`` (the hash of the event
before it, or :data:`GENESIS` for the first) and ``hash = sha256(prev_hash + canonical JSON of
the event)``. Editing, deleting or reordering any stored event breaks the chain from that event
on, and :func:`verify` names the first event that no longer fits.

Callers append inside their own session, so the audit record commits or rolls back together
with the change it describes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from safeguard.store.models import AuditEvent

__all__ = [
    "GENESIS",
    "AuditCheck",
    "AuditProblem",
    "NewEvent",
    "append",
    "append_batch",
    "append_many",
    "canonical_json",
    "check_chain",
    "event_hash",
    "verify",
]

#: ``prev_hash`` of the first event in the log.
GENESIS = "0" * 64

_TS = "%Y-%m-%dT%H:%M:%S.%fZ"


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 kept: the same bytes on every backend."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _content(at: datetime, actor: str, action: str, target: str, detail: Any) -> dict[str, Any]:
    return {
        "at": at.astimezone(UTC).strftime(_TS),
        "actor": actor,
        "action": action,
        "target": target,
        "detail": detail,
    }


def event_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    """SHA-256 hex of ``prev_hash`` followed by the canonical JSON of ``content``."""
    return hashlib.sha256((prev_hash + canonical_json(content)).encode()).hexdigest()


#: The statements every append runs, built once.
_TAKE_WRITE_LOCK = update(AuditEvent).where(AuditEvent.id == -1).values(actor="")
_HEAD = select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)


def _lock_log(session: Session) -> None:
    """Serialise appenders so two writers cannot both extend the same last event."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7233810651)"))
    else:
        # Any write statement takes SQLite's write lock for the rest of the transaction.
        session.connection().execute(_TAKE_WRITE_LOCK)


@dataclass(frozen=True)
class NewEvent:
    """An event to append: ``at`` defaults to the moment it is appended."""

    actor: str
    action: str
    target: str = ""
    detail: Mapping[str, Any] | None = None
    at: datetime | None = None


def _chained(session: Session, events: Sequence[NewEvent]) -> list[dict[str, Any]]:
    """The rows of ``events`` after the chain's last event, taken under the log's lock."""
    _lock_log(session)
    prev = session.connection().execute(_HEAD).scalar()
    prev_hash = prev or GENESIS
    rows = []
    for e in events:
        # Round-trip through JSON so what is hashed is exactly what the store gives back.
        doc = json.loads(canonical_json(dict(e.detail or {})))
        at = e.at or datetime.now(UTC)
        content = _content(at, e.actor, e.action, e.target, doc)
        digest = event_hash(prev_hash, content)
        rows.append({"at": at, "actor": e.actor, "action": e.action, "target": e.target,
                     "detail": doc, "prev_hash": prev_hash, "hash": digest})  # fmt: skip
        prev_hash = digest
    return rows


def append_many(session: Session, events: Sequence[NewEvent]) -> list[AuditEvent]:
    """Add ``events`` at the end of the chain, in order, under one lock (flushed, committed
    with ``session``), as entities."""
    rows = [AuditEvent(**row) for row in _chained(session, events)]
    session.add_all(rows)
    session.flush()
    return rows


def append_batch(session: Session, events: Sequence[NewEvent]) -> None:
    """:func:`append_many` without entities (one multi-row ``INSERT``, committed with
    ``session``): what the web's batched writer appends, a tenth of the ORM's cost."""
    if events:
        session.execute(insert(AuditEvent), _chained(session, events))


def append(
    session: Session,
    actor: str,
    action: str,
    target: str = "",
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Add one event at the end of the chain (flushed, committed with ``session``)."""
    return append_many(session, [NewEvent(actor, action, target, detail)])[0]


def _events(session: Session, batch: int = 5000) -> Iterator[AuditEvent]:
    last_id = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def verify(session: Session) -> int | None:
    """Return the id of the first event that breaks the chain, or None if it is intact."""
    expected_prev = GENESIS
    for event in _events(session):
        content = _content(event.at, event.actor, event.action, event.target, event.detail)
        if event.prev_hash != expected_prev or event.hash != event_hash(event.prev_hash, content):
            return event.id
        expected_prev = event.hash
    return None


@dataclass(frozen=True)
class AuditProblem:
    """One place where the log is not what was written: ``kind`` is ``edited`` (an event's
    content no longer gives its hash), ``inserted`` (an event that the chain skips over),
    ``deleted`` (the next event points at an event that is gone) or ``truncated`` (the log
    ends before the head an auditor recorded)."""

    event_id: int | None
    kind: str
    detail: str


@dataclass(frozen=True)
class AuditCheck:
    events: int
    head_id: int | None
    head_hash: str
    problems: list[AuditProblem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def _link_problem(event: AuditEvent, prev: AuditEvent | None, before: str) -> AuditProblem:
    """``event`` does not point at ``prev``: was ``prev`` inserted, or something deleted?"""
    if prev is not None and event.prev_hash == before:
        return AuditProblem(prev.id, "inserted", f"event {prev.id} is not in the chain")
    after = prev.id if prev is not None else "the start"
    return AuditProblem(event.id, "deleted", f"event(s) missing between {after} and {event.id}")


def check_chain(
    session: Session, *, expect_head: str | None = None, expect_events: int | None = None
) -> AuditCheck:
    """Every problem in the log, by kind. ``expect_head``/``expect_events`` (recorded earlier
    from ``safeguard audit verify``) also detect events deleted from the end."""
    problems: list[AuditProblem] = []
    prev: AuditEvent | None = None
    before_prev = GENESIS  # hash that ``prev`` should point at
    count, seen = 0, set()
    for event in _events(session):
        count += 1
        seen.add(event.hash)
        content = _content(event.at, event.actor, event.action, event.target, event.detail)
        if event.hash != event_hash(event.prev_hash, content):
            problems.append(AuditProblem(event.id, "edited", "content does not give its hash"))
        expected = prev.hash if prev is not None else GENESIS
        if event.prev_hash != expected:
            problems.append(_link_problem(event, prev, before_prev))
        before_prev = expected
        prev = event
    head_hash = prev.hash if prev is not None else GENESIS
    if expect_head and expect_head != head_hash:
        where = "is no longer in the log" if expect_head not in seen else "is not the head"
        problems.append(AuditProblem(None, "truncated", f"recorded head {expect_head} {where}"))
    if expect_events is not None and count < expect_events:
        problems.append(
            AuditProblem(None, "truncated", f"{expect_events - count} event(s) fewer than recorded")
        )
    return AuditCheck(count, prev.id if prev else None, head_hash, problems)
