"""The audit log is a hash chain: appends extend it, any tampering is found and located."""

from __future__ import annotations

from itertools import pairwise

from sqlalchemy import update

from safeguard.store.audit import GENESIS, append, verify
from safeguard.store.db import Store
from safeguard.store.models import AuditEvent


def _three_events(store: Store) -> list[int]:
    with store.session() as s:
        ids = [
            append(s, "alice", "subject.split", "S-000001", {"accounts": [1, 2]}).id,
            append(s, "bob", "subject.merge", "S-000002", {"reason": "same phone ☎"}).id,
            append(s, "alice", "subject.undo", "action:1", {}).id,
        ]
    return ids


def test_events_chain_from_genesis_and_verify(store: Store) -> None:
    ids = _three_events(store)
    with store.session() as s:
        events = [s.get(AuditEvent, i) for i in ids]
        assert events[0] is not None and events[0].prev_hash == GENESIS
        for before, after in pairwise(events):
            assert before is not None and after is not None
            assert after.prev_hash == before.hash
        assert verify(s) is None


def test_edited_detail_is_located(store: Store) -> None:
    ids = _three_events(store)
    with store.session() as s:
        s.execute(
            update(AuditEvent).where(AuditEvent.id == ids[1]).values(detail={"reason": "other"})
        )
    with store.session() as s:
        assert verify(s) == ids[1]


def test_deleted_event_breaks_the_next_one(store: Store) -> None:
    ids = _three_events(store)
    with store.session() as s:
        s.delete(s.get(AuditEvent, ids[0]))
    with store.session() as s:
        assert verify(s) == ids[1]


def test_rewritten_hash_is_caught_downstream(store: Store) -> None:
    ids = _three_events(store)
    with store.session() as s:
        s.execute(update(AuditEvent).where(AuditEvent.id == ids[1]).values(actor="mallory"))
        s.execute(update(AuditEvent).where(AuditEvent.id == ids[1]).values(hash="f" * 64))
    with store.session() as s:
        assert verify(s) == ids[1]


def test_rolled_back_append_leaves_no_trace(store: Store) -> None:
    _three_events(store)
    try:
        with store.session() as s:
            append(s, "carol", "subject.split", "S-000009", {})
            raise RuntimeError("the change being audited failed")
    except RuntimeError:
        pass
    with store.session() as s:
        assert verify(s) is None
        assert s.query(AuditEvent).filter_by(actor="carol").count() == 0
        append(s, "carol", "subject.merge", "S-000010", {})
    with store.session() as s:
        assert verify(s) is None
