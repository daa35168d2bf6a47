"""Feeding the engine from the store: the active entries of the chosen hash sets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from safeguard.errors import NotFoundError
from safeguard.match.engine import MatchEngine, SetRef, category_code
from safeguard.store.db import Store
from safeguard.store.models import HashEntry, HashSet, HashSetVersion

__all__ = ["load_engine"]

_CHUNK = 100_000


def _sets(conn: Connection, names: Sequence[str] | None) -> list[SetRef]:
    latest = (
        select(HashSetVersion.hash_set_id, func.max(HashSetVersion.version).label("v"))
        .group_by(HashSetVersion.hash_set_id)
        .subquery()
    )
    query = select(HashSet.id, HashSet.name, latest.c.v).join(
        latest, latest.c.hash_set_id == HashSet.id
    )
    if names is not None:
        query = query.where(HashSet.name.in_(list(names)))
    found = [
        SetRef(int(i), str(n), int(v)) for i, n, v in conn.execute(query.order_by(HashSet.name))
    ]
    missing = sorted(set(names or ()) - {s.name for s in found})
    if missing:
        raise NotFoundError(f"no hash set named {', '.join(map(repr, missing))}")
    return found


def load_engine(store: Store, names: Sequence[str] | None = None) -> MatchEngine:
    """An engine over the active entries of the named sets (default: every set)."""
    with store.engine.connect() as conn:
        sets = _sets(conn, names)
        index_of = {s.id: i for i, s in enumerate(sets)}
        cols = (
            HashEntry.id,
            HashEntry.hash_set_id,
            HashEntry.category,
            HashEntry.md5,
            HashEntry.sha1,
            HashEntry.sha256,
            HashEntry.sha512,
            HashEntry.pdq,
        )
        query = select(*cols).where(
            HashEntry.retired_version.is_(None), HashEntry.hash_set_id.in_(list(index_of))
        )
        result = conn.execution_options(stream_results=True, yield_per=_CHUNK).execute(query)
        columns: list[list[Any]] = [[] for _ in cols]
        for row in result:
            for column, value in zip(columns, row, strict=True):
                column.append(value)
    codes = {c: category_code(c) for c in set(columns[2])}
    return MatchEngine.build(
        entry_ids=columns[0],
        set_index=[index_of[s] for s in columns[1]],
        categories=[codes[c] for c in columns[2]],
        sets=sets,
        hashes=dict(zip(("md5", "sha1", "sha256", "sha512", "pdq"), columns[3:], strict=True)),
    )
