"""Benchmark: wall, CPU and peak RSS per stage of ``safeguard synth`` then ``safeguard run``.

No anchor: this bench measures where the whole pipeline spends its time and memory, against
the targets the project holds it to (peak RSS <= 3 GB at 100,000 accounts). It runs, each in a
fresh child process so every figure is that process's own:

1. ``safeguard synth OUT --accounts N --seed 5``;
2. ``safeguard run OUT/delivery --operation bench --synth-dir OUT`` into a fresh data
   directory, in-process in a child Python with the pipeline's ``on_step`` hook wrapped so
   each stage's wall time, CPU time (all threads, plus forked workers) and peak RSS are read
   when the next stage begins. Peak RSS per stage is the kernel's high-water mark (VmHWM),
   reset at each stage boundary (``/proc/self/clear_refs``), so a stage's figure is its own.

The whole run's peak RSS is the largest stage peak (resetting the high-water mark also resets
the process's ``ru_maxrss``, which ``/usr/bin/time`` would report); the largest forked worker
(attribution's GeoIP lookups) is shown apart. The machine is shared:
the load average is printed with the figures; compare medians of several runs.

    .venv/bin/python bench/pipeline.py --scale small   # 10,000 accounts
    .venv/bin/python bench/pipeline.py --scale full    # 100,000 accounts (the issue's scale)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SCALES = {"small": 10_000, "full": 100_000}
SEED = 5
OUT = Path(__file__).parent / "out" / "pipeline"
SAFEGUARD = Path(sys.executable).with_name("safeguard")


def _hwm_kib() -> int:
    """This process's peak RSS since the last reset (VmHWM), KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_hwm() -> None:
    # Not Linux, or not allowed: the figures are then peaks so far.
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


class _Stages:
    """Per stage: wall seconds, CPU seconds, peak RSS (MiB); a stage ends when the next begins."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self._name = "start-up"
        self._wall, self._cpu = time.perf_counter(), _cpu()

    def step(self, name: str) -> None:
        wall, cpu = time.perf_counter(), _cpu()
        row = {"stage": self._name, "wall_s": round(wall - self._wall, 2)}
        row |= {"cpu_s": round(cpu - self._cpu, 2), "peak_rss_mb": round(_hwm_kib() / 1024)}
        self.rows.append(row)
        self._name, self._wall, self._cpu = name, wall, cpu
        _reset_hwm()


def _child(delivery: str, synth_dir: str, report: str) -> None:
    """Run ``safeguard run`` in this process, timing each stage (``--child``)."""
    import safeguard.pipeline
    from safeguard.cli import pipeline as cli_pipeline
    from safeguard.cli.main import app

    stages = _Stages()
    real = safeguard.pipeline.run_pipeline

    def timed(*args: Any, **kwargs: Any) -> Any:
        shown: Callable[[str], None] = kwargs.get("on_step", lambda _s: None)

        def on_step(step: str) -> None:
            stages.step(step)
            shown(step)

        kwargs["on_step"] = on_step
        result = real(*args, **kwargs)
        stages.step("")
        return result

    safeguard.pipeline.run_pipeline = timed
    if hasattr(cli_pipeline, "run_pipeline"):  # imported at the CLI module's top
        cli_pipeline.run_pipeline = timed
    argv = ["run", delivery, "--operation", "bench", "--synth-dir", synth_dir, "--json"]
    try:
        app(argv, prog_name="safeguard", standalone_mode=False)
    finally:
        workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        Path(report).write_text(json.dumps({"stages": stages.rows, "workers_mb": workers // 1024}))


def _measured(cmd: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run ``cmd``; its wall and CPU seconds and peak RSS (ru_maxrss of that process)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            sys.stderr.write(err.read().decode(errors="replace")[-4000:])
            raise SystemExit(f"{cmd[0:3]} failed with exit code {proc.returncode}")
    return {
        "wall_s": round(time.perf_counter() - started, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
    }


def _synth(accounts: int, env: dict[str, str]) -> tuple[Path, dict[str, Any]]:
    out = OUT / f"synth-{accounts}-seed{SEED}"
    shutil.rmtree(out, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [str(SAFEGUARD), "synth", str(out), "--accounts", str(accounts), "--seed", str(SEED)]
    return out, _measured(cmd, env)


def _print(rows: list[dict[str, Any]]) -> None:
    print(f"{'stage':<28}{'wall s':>9}{'CPU s':>9}{'peak RSS MB':>13}")
    for r in rows:
        print(f"{r['stage']:<28}{r['wall_s']:>9.2f}{r['cpu_s']:>9.2f}{r['peak_rss_mb']:>13,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    accounts = SCALES[args.scale]
    work = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    env = {**os.environ, "SAFEGUARD_DATA_DIR": str(work / "data"), "COLUMNS": "120"}
    env.pop("SAFEGUARD_DATABASE_URL", None)
    load = [round(x, 2) for x in os.getloadavg()]
    try:
        synth_dir, synth = _synth(accounts, env)
        report = work / "stages.json"
        child = [sys.executable, __file__, "--child", str(synth_dir / "delivery")]
        run = _measured([*child, str(synth_dir), str(report)], env)
        measured = json.loads(report.read_text())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    stages = measured["stages"]
    run["peak_rss_mb"] = max(r["peak_rss_mb"] for r in stages)
    _print([{"stage": "safeguard synth", **synth}])
    print()
    _print([*stages, {"stage": "safeguard run (whole)", **run}])
    print(f"largest forked worker of the run: {measured['workers_mb']:,} MB peak RSS")
    print(f"load average before: {load}; after: {[round(x, 2) for x in os.getloadavg()]}")
    figures = {"bench": "pipeline", "scale": args.scale, "accounts": accounts, "seed": SEED}
    figures |= {"synth": synth, "run": run, "stages": stages, "load_avg": load}
    figures["largest_worker_rss_mb"] = measured["workers_mb"]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
