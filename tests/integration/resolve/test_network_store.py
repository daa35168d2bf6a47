"""The stored network: who sent to whom, role hints and first uploads of unknown files."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from safeguard.config import Settings
from safeguard.resolve import run
from safeguard.store.db import Store
from safeguard.store.models import Subject, SubjectAccount, SubjectNetwork
from tests.integration.resolve.builders import OpBuilder


def _network(store: Store) -> dict[int, SubjectNetwork]:
    with store.session() as s:
        rows = s.execute(
            select(SubjectAccount.account_id, SubjectNetwork)
            .join(Subject, Subject.id == SubjectAccount.subject_id)
            .join(SubjectNetwork, SubjectNetwork.subject_id == Subject.id)
        )
        return {a: n for a, n in rows}


def test_distributor_first_uploader_and_communities(store: Store, tmp_path: Path) -> None:
    b = OpBuilder(store)
    for pid in ("x", "x2", "y1", "y2", "y3", "y4", "y5", "lone"):
        b.account(pid, pid)
    b.ident("x", "device_id", "dev-1")
    b.ident("x2", "device_id", "dev-1")  # x and x2 are one person
    b.transfer("x", "upload", None, "new-file", day=0)
    b.transfer("y1", "upload", None, "new-file", day=5)
    for i, y in enumerate(["y1", "y2", "y3", "y4", "y5"] * 2):
        sender = "x" if i % 2 else "x2"
        b.transfer(sender, "share", y, f"f{i}", day=i)
    b.transfer("y2", "download", "x", "f0", day=1)
    run(store, Settings(data_dir=tmp_path), "op")
    net = _network(store)
    x, y1, lone = net[b.ids["x"]], net[b.ids["y1"]], net[b.ids["lone"]]
    assert net[b.ids["x2"]].subject_id == x.subject_id
    assert (x.sent, x.received, x.degree, x.counterparts) == (11, 0, 5, 5)
    assert (y1.sent, y1.received, y1.degree) == (0, 2, 1)
    assert net[b.ids["y2"]].received == 3
    assert set(x.roles) == {"distributor", "first-uploader"}
    assert y1.roles == [], "uploading a file someone else uploaded first is not first"
    assert x.community is not None and x.community == y1.community
    assert lone.community is None and lone.degree == 0
