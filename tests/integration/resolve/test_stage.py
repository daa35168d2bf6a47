"""The resolve stage links what the evidence supports, nothing more, and re-runs cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from safeguard.config import Settings
from safeguard.errors import PipelineError
from safeguard.resolve import run
from safeguard.store.db import Store
from safeguard.store.models import LinkEvidence, StageWarning, Subject, SubjectAccount
from tests.integration.resolve.builders import OpBuilder


def _world(store: Store) -> OpBuilder:
    b = OpBuilder(store)
    for pid in ("a1", "a2"):
        b.account(pid, f"user_{pid}")
        b.ident(pid, "email", "sam@example.org")
    b.account("a3", "gm1")
    b.ident("a3", "email", "j.smith@gmail.com", "jsmith@gmail.com")
    b.account("a4", "gm2")
    b.ident("a4", "email", "jsmith@gmail.com", "jsmith@gmail.com")
    for i in range(25):  # a placeholder email many unrelated accounts carry
        b.account(f"j{i}", f"junk{i}")
        b.ident(f"j{i}", "email", "none@example.com")
    for pid, name in (("a5", "darkfox"), ("a6", "darkf0x")):
        b.account(pid, name)
        b.login(pid, "81.2.69.10", 1)
        b.login(pid, "81.2.69.10", 3)
    for pid, name in (("a7", "bluebird"), ("a8", "redcar99")):
        b.account(pid, name)
        b.login(pid, "81.2.69.11", 2)
    for i in range(10):  # a carrier NAT: same username pattern, same IP, ten people
        b.account(f"n{i}", "crowded")
        b.login(f"n{i}", "81.2.69.12", 1)
    for pid in ("p1", "p2"):  # a private address means nothing across households
        b.account(pid, "privyname")
        b.login(pid, "10.0.0.1", 1)
    return b


def _subject_of(store: Store, op_id: int) -> dict[int, str]:
    with store.session() as s:
        rows = s.execute(
            select(SubjectAccount.account_id, Subject.label)
            .join(Subject, Subject.id == SubjectAccount.subject_id)
            .where(Subject.operation_id == op_id)
        )
        return {a: label for a, label in rows}


def test_links_strong_and_corroborated_weak_only(store: Store, tmp_path: Path) -> None:
    b = _world(store)
    result = run(store, Settings(data_dir=tmp_path), "op")
    where = _subject_of(store, b.op_id)
    ids = b.ids
    assert len(where) == len(ids), "every account is in exactly one subject"
    assert where[ids["a1"]] == where[ids["a2"]]
    assert where[ids["a3"]] == where[ids["a4"]], "Gmail without dots is the same mailbox"
    assert where[ids["a5"]] == where[ids["a6"]], "same home IP at the same time + username"
    assert where[ids["a7"]] != where[ids["a8"]], "a shared IP alone never links"
    assert len({where[ids[f"j{i}"]] for i in range(25)}) == 25, "junk email merges nobody"
    assert len({where[ids[f"n{i}"]] for i in range(10)}) == 10, "crowded IPs never count"
    assert where[ids["p1"]] != where[ids["p2"]]
    assert result.subjects == len(set(where.values()))
    assert result.junk_identifiers == 1
    with store.session() as s:
        kinds = set(
            s.scalars(select(StageWarning.kind).where(StageWarning.run_id == result.run_id))
        )
        assert {"junk-identifier", "crowded-ip"} <= kinds


def test_every_considered_link_is_stored_with_evidence(store: Store, tmp_path: Path) -> None:
    b = _world(store)
    run(store, Settings(data_dir=tmp_path), "op")
    a7, a8 = sorted((b.ids["a7"], b.ids["a8"]))
    a3 = min(b.ids["a3"], b.ids["a4"])
    with store.session() as s:
        rejected = s.scalars(
            select(LinkEvidence).where(LinkEvidence.account_a == a7, LinkEvidence.account_b == a8)
        ).one()
        assert (rejected.linker, rejected.accepted) == ("shared-ip", False)
        assert rejected.evidence["ips"] == ["81.2.69.11"]
        gmail = s.scalars(select(LinkEvidence).where(LinkEvidence.account_a == a3)).one()
        assert (gmail.linker, gmail.strength, gmail.accepted) == ("email", "strong", True)
        assert gmail.evidence["via"] == "alt_norm"


def test_rerun_replaces_and_keeps_labels(store: Store, tmp_path: Path) -> None:
    b = _world(store)
    settings = Settings(data_dir=tmp_path)
    run(store, settings, "op")
    with store.session() as s:
        before_links = s.scalar(select(func.count()).select_from(LinkEvidence))
        before_ids = set(s.scalars(select(Subject.id)))
    first = _subject_of(store, b.op_id)
    run(store, settings, b.op_id)
    assert _subject_of(store, b.op_id) == first
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(LinkEvidence)) == before_links
        assert set(s.scalars(select(Subject.id))) == before_ids, "unchanged subjects keep ids"
    labels = sorted(set(first.values()))
    assert labels[0] == "S-000001" and len(labels) == len(set(first.values()))


def test_empty_operation_is_refused(store: Store, tmp_path: Path) -> None:
    store.operation_id("empty", create=True)
    with pytest.raises(PipelineError, match="no accounts"):
        run(store, Settings(data_dir=tmp_path), "empty")
