"""A throwaway PostgreSQL server for tests: initdb + pg_ctl on loopback in a temp dir."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["PostgresServer", "find_pg_bin", "vacuum_until_all_visible"]


def find_pg_bin() -> Path | None:
    """Directory holding initdb/pg_ctl: on PATH, or Debian's /usr/lib/postgresql/N/bin."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _run_as_postgres_user() -> list[str]:
    """initdb refuses to run as root; run the server as the `postgres` (or `nobody`) user."""
    if os.geteuid() != 0:
        return []
    for user in ("postgres", "nobody"):
        if subprocess.run(["id", "-u", user], check=False, capture_output=True).returncode == 0:
            return ["runuser", "-u", user, "--"]
    raise RuntimeError("running as root and no unprivileged user to run PostgreSQL as")


@dataclass
class PostgresServer:
    bin_dir: Path
    root: Path
    port: int

    @classmethod
    def start(cls, bin_dir: Path) -> PostgresServer:
        root = Path(tempfile.mkdtemp(prefix="safeguard-pg-"))
        prefix = _run_as_postgres_user()
        if prefix:
            subprocess.run(["chown", prefix[2], str(root)], check=True)
            os.chmod(root, 0o700)
        server = cls(bin_dir, root, _free_port())
        data = root / "data"
        subprocess.run(
            [
                *prefix,
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "safeguard",
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ],
            check=True,
            capture_output=True,
        )
        opts = (
            f"-c listen_addresses=127.0.0.1 -c port={server.port} -k {root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        subprocess.run(
            [
                *prefix,
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                opts,
                "-l",
                str(root / "log"),
                "-w",
                "-t",
                "60",
                "start",
            ],
            check=True,
            capture_output=True,
        )
        return server

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://safeguard@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url().replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        prefix = _run_as_postgres_user()
        subprocess.run(
            [
                *prefix,
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.root / "data"),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def vacuum_until_all_visible(engine: Any, table: str = "assessment") -> None:
    """VACUUM ``table`` until every page is all-visible (index-only scans skip the heap).

    This throwaway server commits asynchronously (``synchronous_commit=off``), and VACUUM
    marks a page all-visible only once the commits of its rows are on disk: right after a
    load one pass is not always enough. With synchronous commits, as deployed, it is."""
    query = f"SELECT relallvisible >= relpages FROM pg_class WHERE relname = '{table}'"
    deadline = time.monotonic() + 60
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        while not conn.exec_driver_sql(query).scalar() and time.monotonic() < deadline:
            time.sleep(0.3)
            conn.exec_driver_sql(f'VACUUM "{table}"')
