"""Benchmark: the web app under load, and the industry matching API's PDQ throughput.

A store with N subjects (100,000 at ``--scale full``, 10,000 at ``small``) is populated by
bulk inserts of realistic rows (operation, delivery, 1-3 accounts per subject, assessments
with a tier mix and 2-6 reasons each, attributions across the 45 UK forces, network roles,
intelligence packages): not the pipeline, which ``bench/pipeline.py`` measures. The real app
is served by uvicorn in a child process on 127.0.0.1 (stopped after a bounded time even if
this process dies), in ``--workers`` processes as ``safeguard serve --workers`` runs it
(default one a core), and driven by 20 concurrent httpx clients holding an analyst's bearer
token, on the triage queue (API pages, and the HTML page with random filters and pages) and
on the subject endpoint (random labels): p50/p95/p99 and errors per endpoint, on SQLite and
on PostgreSQL (``--no-postgres`` skips it). Targets: queue p95 <= 150 ms, zero errors.

Then PDQ throughput of ``POST /api/v1/match`` against a synthetic bank (10M hashes full, 1M
small, bulk-inserted into the SQLite store), with the in-process index
(``load_engine(store).match_pdq``) on the same batches as the anchor. Target >= 1,000 q/s.
The matching run serves from one process: each worker builds its own index from the bank
(at 10M, about a minute and over a gigabyte each).

    .venv/bin/python bench/web.py --scale small
    .venv/bin/python bench/web.py --scale full --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))  # bench/web_world.py
from web_world import OPERATION, ROLES, TIERS, add_bank, analyst_token, bank_queries, populate

SCALES = {"small": (10_000, 1_000_000, 15.0), "full": (100_000, 10_000_000, 60.0)}
CLIENTS = 20
#: Failed requests by "endpoint status-or-exception", printed after each run.
ERRORS: Counter[str] = Counter()
PAGE = 50
MATCH_BATCH = 250


def bench_app() -> Any:
    """A worker's app (uvicorn's factory): ``safeguard serve``'s, with the audit append
    disabled when ``BENCH_NO_AUDIT`` is set (measurement only: what the append costs)."""
    from safeguard.web.app import worker_app
    from safeguard.web.deps import Need

    async def unaudited(*args: object) -> None:
        return None

    if os.environ.get("BENCH_NO_AUDIT"):
        Need._audit = unaudited  # type: ignore[method-assign,assignment]
    return worker_app()


def serve(url: str, port: int, seconds: float, audit: bool, workers: int) -> None:
    """The child process: the real app on 127.0.0.1:``port`` in ``workers`` processes, as
    ``safeguard serve --workers`` runs it, for at most ``seconds``."""
    import signal

    import uvicorn

    from safeguard.web.app import WORKER_ENV

    os.environ.update({
        "SAFEGUARD_DATA_DIR": tempfile.mkdtemp(prefix="bench-web-"),
        "SAFEGUARD_DATABASE_URL": url,
        WORKER_ENV[0]: "0",
        WORKER_ENV[1]: str(workers),
        **({} if audit else {"BENCH_NO_AUDIT": "1"}),
    })  # fmt: skip
    timer = threading.Timer(seconds, lambda: os.kill(os.getpid(), signal.SIGTERM))
    timer.daemon = True
    timer.start()
    uvicorn.run(
        "web:bench_app", factory=True, workers=workers, host="127.0.0.1", port=port,
        log_level="warning", access_log=False, http="httptools", loop="uvloop",
    )  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """``serve`` in a child process, stopped on exit (and by itself after its bound)."""

    def __init__(self, url: str, bound: float, *, audit: bool = True, workers: int = 1) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        args = [sys.executable, __file__, "--serve", url, str(self.port), str(bound)]
        args += ["--workers", str(workers), *([] if audit else ["--no-audit"])]
        self.proc = subprocess.Popen(args)

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/api/v1/openapi.json", timeout=5).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.3)
        self.__exit__()
        raise RuntimeError("the app did not start within 120 s")

    def worker_cpu_s(self) -> list[float]:
        """CPU seconds each worker process has used (how evenly the load is spread)."""
        root = self.proc.pid
        try:
            children = Path(f"/proc/{root}/task/{root}/children").read_text().split()
        except OSError:
            return []
        out = []
        for pid in children:
            try:
                if b"spawn_main" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                    continue  # multiprocessing's resource tracker
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            out.append((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
        return out

    def cpu_s(self) -> float:
        """CPU seconds the server's processes (the supervisor and its live workers) have
        used (user + system)."""
        total, pending = 0, [self.proc.pid]
        while pending:
            pid = pending.pop()
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:  # gone
                continue
            total += int(fields[11]) + int(fields[12])
            pending += [int(c) for c in children]
        return total / os.sysconf("SC_CLK_TCK")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _filters(rng: random.Random, forces: list[str]) -> list[tuple[str, str]]:
    """A realistic mix of the queue's filters and orders, as analysts combine them."""
    q: list[tuple[str, str]] = [("tier", t) for t, _ in TIERS if rng.random() < 0.3]
    if rng.random() < 0.4:
        q.append(("force", rng.choice(forces)))
    if rng.random() < 0.3:
        q.append(("confidence", rng.choice(("high", "medium", "low"))))
    if rng.random() < 0.15:
        q.append(("role", rng.choice(ROLES)))
    if rng.random() < 0.15:
        q.append(("trust", "yes"))
    if rng.random() < 0.1:
        q.append(("deconflicted", rng.choice(("yes", "no"))))
    if rng.random() < 0.05:
        q.append(("overridden", "yes"))
    if rng.random() < 0.25:
        q.append(("sort", rng.choice(("score", "label"))))
    return q


def _queue_url(rng: random.Random, n: int, forces: list[str]) -> str:
    """The API: half unfiltered pages deep into the queue (the first 200 pages), half
    filtered and sorted like the page."""
    from urllib.parse import urlencode

    q = [] if rng.random() < 0.5 else _filters(rng, forces)
    deep = not q
    pages = max(1, min(200, n // PAGE)) if deep else 5
    q += [("limit", str(PAGE)), ("offset", str(PAGE * rng.randrange(pages)))]
    return f"/api/v1/operations/{OPERATION}/queue?{urlencode(q)}"


def _queue_page_url(rng: random.Random, n: int, forces: list[str]) -> str:
    from urllib.parse import urlencode

    q = [*_filters(rng, forces), ("offset", str(PAGE * rng.randrange(5)))]
    return f"/operations/{OPERATION}/queue?{urlencode(q)}"


def _urls(n: int) -> dict[str, Any]:
    from safeguard.refdata import uk

    forces = sorted(uk.forces())
    return {
        "queue": lambda rng: _queue_url(rng, n, forces),
        "queue_page": lambda rng: _queue_page_url(rng, n, forces),
        "subject": lambda rng: f"/api/v1/operations/{OPERATION}/subjects/S-{rng.randint(1, n):06d}",
    }


async def _client(
    base: str, token: str, n: int, until: float, seed: int, out: dict[str, list[float]]
) -> None:
    rng, urls = random.Random(seed), _urls(n)
    names = sorted(urls)
    headers = {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        while time.monotonic() < until:
            name = rng.choice(names)
            started = time.perf_counter()
            try:
                status = str((await client.get(urls[name](rng))).status_code)
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            ok = status == "200"
            out[name if ok else name + ".errors"].append(time.perf_counter() - started)
            if not ok:
                ERRORS[f"{name} {status}"] += 1


def load(base: str, token: str, n: int, seconds: float) -> dict[str, dict[str, float]]:
    """:data:`CLIENTS` concurrent clients for ``seconds``: latency percentiles per endpoint."""
    out: dict[str, list[float]] = defaultdict(list)
    until = time.monotonic() + seconds

    async def run() -> None:
        await asyncio.gather(*(_client(base, token, n, until, i, out) for i in range(CLIENTS)))

    asyncio.run(run())
    figures: dict[str, dict[str, float]] = {}
    for name in sorted(_urls(n)):
        ms = np.array(out[name] or [0.0]) * 1000
        p50, p95, p99 = np.percentile(ms, [50, 95, 99])
        figures[name] = {
            "requests": len(out[name]),
            "errors": len(out[name + ".errors"]),
            "p50_ms": round(float(p50), 1),
            "p95_ms": round(float(p95), 1),
            "p99_ms": round(float(p99), 1),
            "rps": round(len(out[name]) / seconds, 1),
        }
    return figures


def _print_latency(label: str, figures: dict[str, Any]) -> None:
    print(f"  {label}")
    for name, f in figures.items():
        print(
            f"    {name:<11} {f['requests']:>6} req  {f['rps']:>6.1f}/s"
            f"  p50 {f['p50_ms']:>6.1f}  p95 {f['p95_ms']:>6.1f}  p99 {f['p99_ms']:>6.1f} ms"
            f"  errors {f['errors']}"
        )


def latency(url: str, n: int, seconds: float, audit_off: bool, workers: int) -> dict[str, Any]:
    token = analyst_token(url)
    result: dict[str, Any] = {}
    for audit in (True, False) if audit_off else (True,):
        with Server(url, seconds + 180, audit=audit, workers=workers) as server:
            load(server.base, token, n, min(3.0, seconds))  # warm-up, not counted
            cpu, per_worker = server.cpu_s(), server.worker_cpu_s()
            figures = load(server.base, token, n, seconds)
            served = sum(int(f["requests"] + f["errors"]) for f in figures.values())
            cpu_ms = round((server.cpu_s() - cpu) * 1000 / max(1, served), 2)
            after = server.worker_cpu_s()
            shares = [round(b - a, 1) for a, b in zip(per_worker, after, strict=False)]
        result["audited" if audit else "no_audit"] = {
            **figures,
            "server_cpu_ms_per_request": cpu_ms,
            "worker_cpu_s": shares,
        }
        _print_latency("audited (as deployed)" if audit else "audit append disabled", figures)
        print(f"    server CPU per request: {cpu_ms} ms (CPU s by worker: {shares})"
              f"   load average {os.getloadavg()[0]:.2f}")  # fmt: skip
        if ERRORS:
            print(f"    errors: {dict(ERRORS)}")
            ERRORS.clear()
    return result


def _anchor(url: str, batches: list[list[str]]) -> tuple[float, float, list[int]]:
    """(engine load s, query s, matched queries per batch) of the in-process index."""
    from safeguard.match import load_engine
    from safeguard.store.db import Store

    store = Store.open_url(url)
    started = time.perf_counter()
    engine = load_engine(store)
    loaded = time.perf_counter() - started
    started, matched = time.perf_counter(), []
    for batch in batches:
        m = engine.match_pdq(batch, max_distance=31)
        matched.append(len(set(m.query_row.tolist())))
    took = time.perf_counter() - started
    store.dispose()
    return loaded, took, matched


async def _match_client(
    client: httpx.AsyncClient, batches: list[list[str]], until: float, first: int, tally: list[int]
) -> None:
    i = first
    while time.monotonic() < until:
        body = {"hashes": [{"value": h, "kind": "pdq"} for h in batches[i % len(batches)]]}
        r = await client.post("/api/v1/match", json=body)
        tally[0 if r.status_code == 200 else 1] += len(batches[i % len(batches)])
        i += 1


def _api_throughput(base: str, token: str, batches: list[list[str]], seconds: float) -> Any:
    headers = {"authorization": f"Bearer {token}"}
    body = {"hashes": [{"value": h, "kind": "pdq"} for h in batches[0]]}
    started = time.perf_counter()  # the first request builds the server's engine
    first = httpx.post(base + "/api/v1/match", json=body, headers=headers, timeout=1800)
    warm_s = time.perf_counter() - started
    agree = sum(r["matched"] for r in first.json()["results"])
    tally = [0, 0]  # queries answered, queries in failed requests

    async def run() -> None:
        until = time.monotonic() + seconds
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
            await asyncio.gather(
                *(_match_client(client, batches, until, i, tally) for i in range(4))
            )

    started = time.perf_counter()
    asyncio.run(run())
    return tally[0] / (time.perf_counter() - started), tally[1], warm_s, agree


def matching(url: str, bank: int, seconds: float) -> dict[str, Any]:
    started = time.perf_counter()
    add_bank(url, bank)
    insert_s = time.perf_counter() - started
    queries = bank_queries(bank, 10_000)
    batches = [queries[i : i + MATCH_BATCH] for i in range(0, len(queries), MATCH_BATCH)]
    load_s, anchor_s, matched = _anchor(url, batches)
    anchor_qps = len(queries) / anchor_s
    token = analyst_token(url)
    with Server(url, seconds + 1800) as server:
        api_qps, failed, warm_s, agree = _api_throughput(server.base, token, batches, seconds)
    print(f"  bank {bank:,} PDQ hashes (inserted in {insert_s:.0f} s; engine load {load_s:.1f} s"
          f" in-process, {warm_s:.1f} s first API request)")  # fmt: skip
    print(f"  in-process match_pdq: {anchor_qps:,.0f} queries/s;  POST /api/v1/match: "
          f"{api_qps:,.0f} queries/s (batches of {MATCH_BATCH}, 4 clients)  ratio "
          f"{api_qps / anchor_qps:.3f}; errors {failed}; first batch matched {agree} "
          f"(in-process {matched[0]})")  # fmt: skip
    return {"bank": bank, "api_qps": round(api_qps, 1), "anchor_qps": round(anchor_qps, 1),
            "ratio": round(api_qps / anchor_qps, 4), "errors": failed,
            "agree": agree == matched[0], "bank_insert_s": round(insert_s, 1)}  # fmt: skip


def _postgres_url() -> tuple[Any, str] | None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo, for tests.support
    try:
        from tests.support.postgres import PostgresServer, find_pg_bin
    except ImportError:
        return None
    bin_dir = find_pg_bin()
    if bin_dir is None:
        return None
    server = PostgresServer.start(bin_dir)
    return server, server.create_database("bench_web")


def _store_run(
    label: str, url: str, n: int, seconds: float, audit_off: bool, workers: int
) -> dict[str, Any]:
    started = time.perf_counter()
    counts = populate(url, n)
    print(f"{label}: {n:,} subjects bulk-inserted in {time.perf_counter() - started:.0f} s "
          f"({', '.join(f'{k} {v:,}' for k, v in counts.items())}); not the pipeline")  # fmt: skip
    return latency(url, n, seconds, audit_off, workers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--seconds", type=float, help="seconds of load per run")
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL run")
    parser.add_argument("--no-match", action="store_true", help="skip the matching-API run")
    parser.add_argument("--no-audit-run", action="store_true",
                        help="skip the extra run with the audit append disabled")  # fmt: skip
    parser.add_argument(
        "--serve", nargs=3, metavar=("URL", "PORT", "SECONDS"), help=argparse.SUPPRESS
    )
    parser.add_argument("--no-audit", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1,
        help="server processes for the latency runs (default: one a core, as deployed)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.serve:
        url, port, bound = args.serve
        serve(url, int(port), float(bound), not args.no_audit, args.workers)
        return
    n, bank, default_s = SCALES[args.scale]
    seconds = args.seconds or default_s
    work = Path(tempfile.mkdtemp(prefix="bench-web-"))
    figures: dict[str, Any] = {"bench": "web", "scale": args.scale, "subjects": n,
                               "clients": CLIENTS, "seconds": seconds,
                               "workers": args.workers}  # fmt: skip
    print(f"{CLIENTS} clients, {seconds:.0f} s per run, {args.workers} server processes, "
          f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    try:
        sqlite = f"sqlite:///{work}/web.db"
        audit_off, workers = not args.no_audit_run, args.workers
        figures["sqlite"] = _store_run("SQLite", sqlite, n, seconds, audit_off, workers)
        pg = None if args.no_postgres else _postgres_url()
        if pg is not None:
            try:
                figures["postgres"] = _store_run("PostgreSQL", pg[1], n, seconds, False, workers)
            finally:
                pg[0].stop()
        if not args.no_match:
            print("Matching API (SQLite store):")
            figures["match"] = matching(sqlite, bank, seconds)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    queue = figures["sqlite"]["audited"]["queue"]
    figures["queue_p95_ms_sqlite"] = queue["p95_ms"]
    if "postgres" in figures:
        figures["queue_p95_ms_postgres"] = figures["postgres"]["audited"]["queue"]["p95_ms"]
    if "match" in figures:
        figures["speedup"] = figures["match"]["ratio"]
    figures["load_avg_1m"] = round(os.getloadavg()[0], 2)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
