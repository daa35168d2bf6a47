"""Opening the store: engine, sessions, migrations to head.

``Store`` is the one handle stages get. It knows its dialect, so bulk writers can pick
executemany (SQLite) or COPY (PostgreSQL).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, bindparam, create_engine, event, select
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from safeguard.config import Settings
from safeguard.errors import NotFoundError, StoreError
from safeguard.store.models import Base, Operation

__all__ = ["MIGRATIONS_DIR", "PAGE_SIZE", "Store", "alembic_config", "find_operation_id"]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: Page size of new SQLite stores (SQLite's largest): stages mostly scan and bulk-write.
PAGE_SIZE = 65536


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


#: Bytes of the database file each connection reads through a shared memory map rather
#: than copying pages into its own cache: the web app's 20 pooled connections each warmed
#: a private cache, and the queue's statement took 12.6 ms of CPU under 20 clients against
#: 5.2 ms mapped (bench/web.py, 100,000 subjects). Address space only; the OS shares pages.
MMAP_BYTES = 4 * 1024**3


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """WAL for concurrent readers; 64 KiB pages (new databases only: a quarter of the WAL
    frames of 16 KiB pages, so a 10M-event ingest copies and checkpoints a third faster);
    sorts spill to temp files, not memory; reads through a memory map (:data:`MMAP_BYTES`)."""
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA page_size={PAGE_SIZE}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA temp_store=FILE")
    cur.execute("PRAGMA cache_size=-200000")
    cur.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    cur.close()


def _json_loads(text: str | bytes) -> Any:
    """JSON columns read with orjson (the web queue decodes two per row it shows); the
    standard library's reader for what orjson refuses (NaN, which ``json.dumps`` writes)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


#: Connections kept open for reuse: the web app serves from up to 40 threads (Starlette's
#: pool) plus the audit writer; with SQLAlchemy's default of 5 most of a loaded app's
#: connections were opened and closed per request (SQLite: its pragmas and a cold page
#: cache each time; PostgreSQL: a new backend). Opened only as they are needed.
POOL_SIZE = 20
#: Compiled statements an engine keeps (SQLAlchemy's default is 500): the triage queue alone
#: has a statement per shape of filter (``safeguard.assess.queue``), and compiling one cost
#: 3-5 ms, more than running it.
QUERY_CACHE = 3000


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            future=True,
            json_deserializer=_json_loads,
            pool_size=POOL_SIZE,
            query_cache_size=QUERY_CACHE,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql"):
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return create_engine(
            url,
            future=True,
            json_deserializer=_json_loads,
            pool_size=POOL_SIZE,
            query_cache_size=QUERY_CACHE,
            connect_args={"options": "-c timezone=UTC"},
        )
    raise StoreError(f"unsupported database URL {url!r}: use sqlite:/// or postgresql://")


#: An operation's id by name: built once (every web request looks one up; building the
#: statement cost more than running it).
_OPERATION_ID = select(Operation.id).where(Operation.name == bindparam("name"))


def find_operation_id(session: Session, name: str) -> int | None:
    """The id of the operation named ``name``, or None."""
    found: int | None = session.connection().execute(_OPERATION_ID, {"name": name}).scalar()
    return found


class Store:
    """An open, migrated store."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # SQLite's driver begins a transaction only before a change, so its reads are as
        # these already; PostgreSQL's autocommit saves a BEGIN and a COMMIT round trip.
        autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")  # same pool
        reads = engine if engine.dialect.name == "sqlite" else autocommit
        self._readers = sessionmaker(reads, expire_on_commit=False)

    @classmethod
    def open(cls, settings: Settings, *, migrate: bool = True) -> Store:
        return cls.open_url(settings.url, migrate=migrate)

    @classmethod
    def open_url(cls, url: str, *, migrate: bool = True) -> Store:
        if url.startswith("sqlite:///") and ":memory:" not in url:
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        store = cls(_make_engine(url))
        if migrate:
            store.upgrade()
        return store

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (a no-op when it is there already)."""
        cfg = alembic_config(self.engine.url.render_as_string(hide_password=False))
        head = ScriptDirectory.from_config(cfg).get_current_head()
        try:
            with self.engine.connect() as conn:
                current = MigrationContext.configure(conn).get_current_revision()
                if current == head:
                    return
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                conn.commit()
        except OperationalError as exc:
            raise StoreError(f"cannot open the store at {self.engine.url!r}: {exc.orig}") from exc

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except SQLAlchemyError:
                session.rollback()
                raise
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session that only reads: each statement sees what was committed when it ran
        (no transaction is opened, so nothing it does may write). The web app's views read
        through it: on PostgreSQL the BEGIN and COMMIT of a transaction were two of the four
        round trips of a queue page."""
        with self._readers() as session:
            yield session

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A Core connection in one transaction, for bulk work."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def bulk_transaction(self) -> Iterator[Connection]:
        """:meth:`transaction` for a bulk load whose writer guarantees its own references.

        SQLite: foreign keys are not enforced inside it (the pragma only changes between
        transactions), and databases the load attaches are detached once it has ended.
        PostgreSQL: the same as :meth:`transaction`.
        """
        if self.dialect != "sqlite":
            with self.transaction() as conn:
                yield conn
            return
        with self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
            try:
                with conn.begin():
                    yield conn
            finally:
                attached = conn.exec_driver_sql("PRAGMA database_list").all()
                for _, name, _ in attached:
                    if name not in ("main", "temp"):
                        conn.exec_driver_sql(f'DETACH DATABASE "{name}"')
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()

    def operation_id(self, name: str, *, create: bool = False, user: str = "") -> int:
        with self.session() as s:
            op_id = find_operation_id(s, name)
            if op_id is not None:
                return op_id
            if not create:
                raise NotFoundError(f"no operation named {name!r} (see `safeguard operations`)")
            op = Operation(name=name, created_by=user)
            s.add(op)
            s.flush()
            return op.id

    def analyze(self) -> None:
        """Refresh PostgreSQL's planner statistics of the store's tables, and vacuum the
        assessments (after a stage's bulk writes: until autovacuum gets round to it, a table
        loaded in one transaction looks empty to the planner, which then chose a 13 s plan
        for a 10k-subject queue page).
        SQLite's planner does well without statistics: nothing to do there."""
        if self.dialect != "postgresql":
            return
        tables = ", ".join(f'"{t}"' for t in sorted(Base.metadata.tables))
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"ANALYZE {tables}")
            # The triage queue walks its indexes with index-only scans, which skip a row's
            # heap page only once VACUUM has marked it all-visible (a page 5,000 deep read
            # 5,050 heap rows before). One row per subject: seconds at most.
            conn.exec_driver_sql("VACUUM assessment")

    def dispose(self) -> None:
        self.engine.dispose()
