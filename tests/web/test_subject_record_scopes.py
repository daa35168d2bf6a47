"""The subject record's need-to-know follows the token's scopes as well as the role: a token
that may view subjects but not packages gets the subject without its package references,
whatever record was read before it (the statements are built once per role and scopes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from safeguard.authz import Actor, Role
from safeguard.errors import NotFoundError
from safeguard.store.db import Store
from safeguard.web.queries import subject_doc
from tests.support.web import OPERATION, build_world


def test_a_token_without_the_packages_scope_sees_no_package_references(
    store: Store, tmp_path: Path
) -> None:
    world = build_world(store, tmp_path)
    force, label = next(iter(world.subjects.items()))
    analyst = Actor(1, "analyst", Role.ANALYST)
    subjects_only = Actor(1, "analyst", Role.ANALYST, scopes=frozenset({"subjects.view"}))
    no_scope = Actor(1, "analyst", Role.ANALYST, scopes=frozenset({"queue.view"}))

    assert subject_doc(store, OPERATION, analyst, label)["packages"] == [world.packages[force]]
    scoped = subject_doc(store, OPERATION, subjects_only, label)
    assert scoped["label"] == label and scoped["packages"] == []
    with pytest.raises(NotFoundError):
        subject_doc(store, OPERATION, no_scope, label)
    assert subject_doc(store, OPERATION, analyst, label)["packages"] == [world.packages[force]]
