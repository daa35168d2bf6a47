"""Shared fixtures: ``store`` runs each test on SQLite and on a real PostgreSQL server.

The PostgreSQL server is started once per test session (per xdist worker) with
``initdb``/``pg_ctl`` on loopback in a temp dir, and stopped afterwards. If the server
binaries are missing the PostgreSQL cases fail (``make test`` installs them); set
``SKIP_POSTGRES_TESTS=1`` to skip them deliberately on a machine without them.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from argon2 import PasswordHasher
from hypothesis import settings as hypothesis_settings

from safeguard.access import credentials
from safeguard.config import Settings
from safeguard.store.db import Store
from tests.support.postgres import PostgresServer, find_pg_bin

if TYPE_CHECKING:
    from tests.support.operation import SmallOperation

_db_counter = itertools.count()

#: No per-example deadline: a loaded 2-core CI machine makes timings meaningless (speed is
#: measured in bench/, not in tests).
hypothesis_settings.register_profile("safeguard", deadline=None)
hypothesis_settings.load_profile("safeguard")

#: Tests hash many passwords: still argon2id, at the lowest cost, so the suite stays fast.
#: The production cost is the library's default (tests/unit/access/test_credentials.py).
credentials._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    if os.environ.get("SKIP_POSTGRES_TESTS") == "1":
        pytest.skip("PostgreSQL tests disabled by SKIP_POSTGRES_TESTS=1")
    bin_dir = find_pg_bin()
    if bin_dir is None:
        pytest.fail("PostgreSQL server binaries (initdb, pg_ctl) not found: run `make test`")
    server = PostgresServer.start(bin_dir)
    try:
        yield server
    finally:
        server.stop()


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def empty_database(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    """A URL of an empty database: SQLite in tmp_path, or a fresh PostgreSQL database."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'safeguard.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database(f"t{os.getpid()}_{next(_db_counter)}")


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty database: SQLite in tmp_path, or a fresh PostgreSQL database."""
    return empty_database(request, request.param, tmp_path)


@pytest.fixture(scope="module", params=BACKENDS)
def module_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """:func:`store` shared by a module's tests (for worlds that are costly to build)."""
    s = Store.open_url(empty_database(request, request.param, tmp_path_factory.mktemp("db")))
    try:
        yield s
    finally:
        s.dispose()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An open, migrated store on SQLite and on PostgreSQL."""
    s = Store.open_url(store_url)
    try:
        yield s
    finally:
        s.dispose()


@pytest.fixture
def settings(tmp_path: Path, store_url: str) -> Settings:
    """Settings pointing the data dir at tmp_path and the database at ``store_url``."""
    return Settings(data_dir=tmp_path / "data", database_url=store_url)


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    """A SQLite-only store, for tests about the embedded default."""
    s = Store.open_url(f"sqlite:///{tmp_path / 'safeguard.db'}")
    try:
        yield s
    finally:
        s.dispose()


@pytest.fixture(scope="session")
def small_operation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmallOperation]:
    """A small synthetic operation run through the whole pipeline once per session."""
    from tests.support.operation import build_small_operation

    op = build_small_operation(tmp_path_factory.mktemp("small-operation"))
    yield op
    op.store.dispose()
