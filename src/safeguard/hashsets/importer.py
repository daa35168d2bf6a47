"""Versioned import of a hash-set file into the store.

Importing a file under a set's name makes a new version of that set: entries not in the
file any more get ``retired_version``, new ones are added with ``added_version``, unchanged
ones are kept, and the history stays. Re-importing a file with the same SHA-256 as the
latest version is a no-op. The import is one transaction: a bad record anywhere leaves the
store exactly as it was.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from safeguard.errors import HashSetError
from safeguard.hashing.files import sha256_file
from safeguard.hashsets.catalog import EXPORT_FIELDS
from safeguard.hashsets.categories import CategoryScheme, load_scheme
from safeguard.hashsets.entries import ParsedEntry
from safeguard.hashsets.formats import HashSetFormat, resolve_format
from safeguard.progress import NULL_PROGRESS, Progress, ProgressTask
from safeguard.records import Category
from safeguard.store.bulk import bulk_insert
from safeguard.store.db import Store
from safeguard.store.models import HashEntry, HashSet, HashSetVersion
from safeguard.store.runs import record_run

__all__ = ["ENTRY_COLUMNS", "ImportResult", "import_hash_set"]

#: Columns of ``hash_entry`` an import writes, in row order.
ENTRY_COLUMNS = ("hash_set_id", *EXPORT_FIELDS, "added_version")
_KEY_FIELDS = slice(1, 12)  # everything that identifies an entry's content


@dataclass(frozen=True)
class ImportResult:
    name: str
    version: int
    format: str
    scheme: str
    checksum: str
    unchanged: bool
    counts: dict[str, Any] = field(default_factory=dict)


def _key(values: Iterable[object]) -> bytes:
    text = "\x1f".join("" if v is None else str(v) for v in values)
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


@dataclass
class _Diff:
    """Which active entries the new file keeps, and what it adds."""

    active: dict[bytes, int]
    kept: set[int] = field(default_factory=set)
    seen: set[bytes] = field(default_factory=set)
    counts: Counter[str] = field(default_factory=Counter)

    def is_new(self, row: tuple[Any, ...]) -> bool:
        key = _key(row[_KEY_FIELDS])
        if key in self.seen:
            self.counts["duplicates"] += 1
            return False
        self.seen.add(key)
        self.counts[f"category:{row[5]}"] += 1
        entry_id = self.active.get(key)
        if entry_id is not None:
            self.kept.add(entry_id)
            self.counts["kept"] += 1
            return False
        self.counts["added"] += 1
        return True

    def retired(self) -> list[int]:
        return [i for i in self.active.values() if i not in self.kept]


@dataclass(frozen=True)
class _Mapper:
    """Turns parsed entries into ``hash_entry`` rows for one set version."""

    set_id: int
    version: int
    scheme: CategoryScheme
    fixed: Category | None
    default: Category | None

    def category(self, entry: ParsedEntry) -> Category:
        if self.fixed is not None:
            return self.fixed
        if entry.source_category is None and self.default is not None:
            return self.default
        return self.scheme.to_category(entry.source_category, entry.location)

    def row(self, e: ParsedEntry) -> tuple[Any, ...]:
        cat = self.category(e).value
        return (
            self.set_id,
            e.md5,
            e.sha1,
            e.sha256,
            e.sha512,
            e.pdq,
            cat,
            e.source_category,
            e.victim_identified,
            e.series,
            e.distributed,
            e.note,
            e.vpdq,
            self.version,
        )


def _new_rows(
    entries: Iterable[ParsedEntry], mapper: _Mapper, diff: _Diff, task: ProgressTask
) -> Iterator[tuple[Any, ...]]:
    for n, entry in enumerate(entries, 1):
        if n % 10_000 == 0:
            task.advance(10_000)
        if not entry.has_hash:
            diff.counts["skipped_no_hash"] += 1
            continue
        row = mapper.row(entry)
        if diff.is_new(row):
            yield row


def _set_id(conn: Connection, name: str, scheme: str, source: str) -> int:
    row = conn.execute(
        select(HashSet.id, HashSet.category_scheme).where(HashSet.name == name)
    ).first()
    if row is None:
        ins = insert(HashSet).values(name=name, source=source, category_scheme=scheme)
        pk = conn.execute(ins).inserted_primary_key
        assert pk is not None
        return int(pk[0])
    if row.category_scheme != scheme:
        raise HashSetError(
            f"hash set {name!r} uses category scheme {row.category_scheme!r}; import with "
            f"--scheme {row.category_scheme} or under another name"
        )
    return int(row.id)


def _latest(conn: Connection, set_id: int) -> tuple[int, str] | None:
    row = conn.execute(
        select(HashSetVersion.version, HashSetVersion.source_checksum)
        .where(HashSetVersion.hash_set_id == set_id)
        .order_by(HashSetVersion.version.desc())
        .limit(1)
    ).first()
    return None if row is None else (int(row[0]), str(row[1]))


def _active(conn: Connection, set_id: int) -> dict[bytes, int]:
    cols = [getattr(HashEntry, c) for c in ENTRY_COLUMNS[_KEY_FIELDS]]
    query = select(HashEntry.id, *cols).where(
        HashEntry.hash_set_id == set_id, HashEntry.retired_version.is_(None)
    )
    return {_key(r[1:]): int(r[0]) for r in conn.execute(query)}


def _retire(conn: Connection, ids: list[int], version: int) -> None:
    if not ids:
        return
    stmt = (
        update(HashEntry.__table__)  # type: ignore[arg-type]
        .where(HashEntry.__table__.c.id == bindparam("eid"))
        .values(retired_version=version)
    )
    for start in range(0, len(ids), 50_000):
        conn.execute(stmt, [{"eid": i} for i in ids[start : start + 50_000]])


@dataclass(frozen=True)
class _Request:
    path: Path
    name: str
    plugin: HashSetFormat
    scheme: CategoryScheme
    default: Category | None
    source: str
    user: str


def import_hash_set(
    store: Store,
    path: Path,
    *,
    name: str | None = None,
    fmt: str = "auto",
    scheme: str = "uk",
    default_category: Category | None = None,
    source: str = "",
    user: str = "",
    progress: Progress = NULL_PROGRESS,
) -> ImportResult:
    """Import ``path`` as the next version of hash set ``name`` (default: the file's stem).

    ``scheme`` is ``uk``, ``vics-us`` or a mapping-file path; ``default_category`` is given
    to entries the file leaves uncategorised (e.g. a plain list known to be all category A).
    """
    path = Path(path)
    plugin = resolve_format(path, fmt)
    req = _Request(
        path,
        name or path.stem,
        plugin,
        load_scheme(scheme),
        default_category,
        source or str(path.name),
        user,
    )
    config = {
        "name": req.name,
        "format": plugin.name,
        "scheme": req.scheme.name,
        "default_category": default_category,
        "file": str(path),
    }
    with record_run(store, None, "hashsets-import", config) as rec:
        with rec.timed("checksum"):
            checksum, _size = sha256_file(path)
        with rec.timed("import"), store.transaction() as conn:
            result = _import(conn, req, checksum, progress)
        rec.counts.update(result.counts, version=result.version, unchanged=result.unchanged)
    return result


def _import(conn: Connection, req: _Request, checksum: str, progress: Progress) -> ImportResult:
    set_id = _set_id(conn, req.name, req.scheme.name, req.source)
    latest = _latest(conn, set_id)
    if latest is not None and latest[1] == checksum:
        return _result(req, checksum, latest[0], {})
    version = 1 if latest is None else latest[0] + 1
    diff = _Diff(_active(conn, set_id))
    mapper = _Mapper(set_id, version, req.scheme, req.plugin.fixed_category, req.default)
    with progress.task(f"importing {req.path.name} as {req.name} v{version}") as task:
        rows = _new_rows(req.plugin.parse(req.path), mapper, diff, task)
        bulk_insert(conn, HashEntry.__tablename__, ENTRY_COLUMNS, rows)
    retired = diff.retired()
    _retire(conn, retired, version)
    counts: dict[str, Any] = {k: v for k, v in sorted(diff.counts.items())}
    counts.update(retired=len(retired), entries=len(diff.seen))
    for key in ("added", "kept", "duplicates", "skipped_no_hash"):
        counts.setdefault(key, 0)
    if not diff.seen:
        raise HashSetError(f"{req.path}: no entry with an md5, sha1, sha256 or pdq hash")
    conn.execute(
        insert(HashSetVersion).values(
            hash_set_id=set_id,
            version=version,
            format=req.plugin.name,
            source_checksum=checksum,
            imported_by=req.user,
            counts=counts,
        )
    )
    return _result(req, checksum, version, counts)


def _result(req: _Request, checksum: str, version: int, counts: dict[str, Any]) -> ImportResult:
    return ImportResult(
        req.name,
        version,
        req.plugin.name,
        req.scheme.name,
        checksum,
        unchanged=not counts,
        counts=counts,
    )
