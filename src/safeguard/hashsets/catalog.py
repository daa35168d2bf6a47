"""Reading hash sets back: the list, one set's history and statistics, its entries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select

from safeguard.errors import NotFoundError
from safeguard.store.db import Store
from safeguard.store.models import HashEntry, HashSet, HashSetVersion

__all__ = [
    "EXPORT_FIELDS",
    "HashSetInfo",
    "VersionInfo",
    "active_at",
    "hash_set_info",
    "iter_entries",
    "list_hash_sets",
]

#: Entry fields an export carries, in order.
EXPORT_FIELDS = (
    "md5",
    "sha1",
    "sha256",
    "sha512",
    "pdq",
    "category",
    "source_category",
    "victim_identified",
    "series",
    "distributed",
    "note",
    "vpdq",
)


@dataclass(frozen=True)
class VersionInfo:
    version: int
    format: str
    source_checksum: str
    imported_at: datetime
    imported_by: str
    counts: dict[str, Any]


@dataclass(frozen=True)
class HashSetInfo:
    id: int
    name: str
    source: str
    category_scheme: str
    version: int
    active_entries: int
    by_category: dict[str, int] = field(default_factory=dict)
    by_hash: dict[str, int] = field(default_factory=dict)
    versions: list[VersionInfo] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        doc = {k: v for k, v in self.__dict__.items() if k != "versions"}
        doc["versions"] = [v.__dict__ for v in self.versions]
        return doc


def active_at(version: int | None) -> ColumnElement[bool]:
    """Entries of a set live at ``version`` (``None``: the latest, i.e. not retired)."""
    if version is None:
        return HashEntry.retired_version.is_(None)
    return and_(
        HashEntry.added_version <= version,
        or_(HashEntry.retired_version.is_(None), HashEntry.retired_version > version),
    )


def _set_row(conn: Connection, name: str) -> Any:
    cols = (HashSet.id, HashSet.name, HashSet.source, HashSet.category_scheme)
    row = conn.execute(select(*cols).where(HashSet.name == name)).first()
    if row is None:
        raise NotFoundError(f"no hash set named {name!r} (see `safeguard hashsets list`)")
    return row


def _versions(conn: Connection, set_id: int) -> list[VersionInfo]:
    v = HashSetVersion
    cols = (v.version, v.format, v.source_checksum, v.imported_at, v.imported_by, v.counts)
    rows = conn.execute(select(*cols).where(v.hash_set_id == set_id).order_by(v.version))
    return [VersionInfo(r[0], r[1], r[2], r[3], r[4], dict(r[5] or {})) for r in rows]


def _by_category(conn: Connection, set_id: int) -> dict[str, int]:
    query = (
        select(HashEntry.category, func.count())
        .where(HashEntry.hash_set_id == set_id, active_at(None))
        .group_by(HashEntry.category)
    )
    return {str(cat): int(n) for cat, n in conn.execute(query)}


def _by_hash(conn: Connection, set_id: int) -> dict[str, int]:
    cols = [HashEntry.md5, HashEntry.sha1, HashEntry.sha256, HashEntry.sha512, HashEntry.pdq]
    query = select(*[func.count(c) for c in cols]).where(
        HashEntry.hash_set_id == set_id, active_at(None)
    )
    row = conn.execute(query).one()
    return {c.key: int(n) for c, n in zip(cols, row, strict=True)}


def hash_set_info(store: Store, name: str, *, detail: bool = True) -> HashSetInfo:
    """One set with its version history, active entries by category and by hash kind."""
    with store.engine.connect() as conn:
        hs = _set_row(conn, name)
        versions = _versions(conn, hs.id)
        by_cat = _by_category(conn, hs.id)
        return HashSetInfo(
            id=hs.id,
            name=hs.name,
            source=hs.source,
            category_scheme=hs.category_scheme,
            version=versions[-1].version if versions else 0,
            active_entries=sum(by_cat.values()),
            by_category=by_cat,
            by_hash=_by_hash(conn, hs.id) if detail else {},
            versions=versions if detail else [],
        )


def list_hash_sets(store: Store) -> list[HashSetInfo]:
    with store.engine.connect() as conn:
        names = list(conn.execute(select(HashSet.name).order_by(HashSet.name)).scalars())
    return [hash_set_info(store, n, detail=False) for n in names]


def iter_entries(
    store: Store, name: str, version: int | None = None, *, batch: int = 20_000
) -> Iterator[dict[str, Any]]:
    """Entries of set ``name`` live at ``version`` (default latest), streamed in id order."""
    with store.engine.connect() as conn:
        hs = _set_row(conn, name)
        known = {v.version for v in _versions(conn, hs.id)}
        if version is not None and version not in known:
            raise NotFoundError(f"hash set {name!r} has no version {version}")
        cols = [getattr(HashEntry, f) for f in EXPORT_FIELDS]
        query = (
            select(*cols)
            .where(HashEntry.hash_set_id == hs.id, active_at(version))
            .order_by(HashEntry.id)
        )
        result = conn.execution_options(stream_results=True, yield_per=batch).execute(query)
        for row in result:
            yield dict(zip(EXPORT_FIELDS, row, strict=True))
