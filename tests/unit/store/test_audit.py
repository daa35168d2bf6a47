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


def _problems(store: Store, **kw: object) -> list[tuple[int | None, str]]:
    from safeguard.store.audit import check_chain

    with store.session() as s:
        return [(p.event_id, p.kind) for p in check_chain(s, **kw).problems]  # type: ignore[arg-type]


def test_check_names_an_edited_event(store: Store) -> None:
    ids = _three_events(store)
    assert _problems(store) == []
    with store.session() as s:
        s.execute(update(AuditEvent).where(AuditEvent.id == ids[1]).values(target="S-999999"))
    assert _problems(store) == [(ids[1], "edited")]


def test_check_names_an_inserted_event_with_a_valid_hash(store: Store) -> None:
    """A forger who computes a correct hash for a new event still breaks the next link."""
    from safeguard.store.audit import _content, event_hash

    ids = _three_events(store)
    with store.session() as s:
        first = s.get(AuditEvent, ids[0])
        assert first is not None
        # Make room after the first event, then slot a well-formed forgery in.
        for i in reversed(ids[1:]):
            s.execute(update(AuditEvent).where(AuditEvent.id == i).values(id=i + 100))
        content = _content(first.at, "mallory", "subject.merge", "S-000009", {})
        s.add(
            AuditEvent(
                id=ids[0] + 1,
                at=first.at,
                actor="mallory",
                action="subject.merge",
                target="S-000009",
                detail={},
                prev_hash=first.hash,
                hash=event_hash(first.hash, content),
            )
        )
    assert _problems(store) == [(ids[0] + 1, "inserted")]


def test_check_names_a_deletion_in_the_middle_and_at_the_end(store: Store) -> None:
    from safeguard.store.audit import check_chain

    ids = _three_events(store)
    with store.session() as s:
        head = check_chain(s)
    with store.session() as s:
        s.delete(s.get(AuditEvent, ids[1]))
    assert _problems(store) == [(ids[2], "deleted")]
    with store.session() as s:
        s.delete(s.get(AuditEvent, ids[2]))
    assert _problems(store) == []  # a shorter chain is still a chain ...
    kinds = _problems(store, expect_head=head.head_hash, expect_events=head.events)
    assert kinds == [(None, "truncated"), (None, "truncated")]  # ... unless its head was kept
