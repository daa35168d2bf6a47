"""The demo operation taken out and back: approve, send in batches, verify, outcomes, report.

Run after ``make demo-data`` (``make demo-dissemination`` does both)::

    .venv/bin/python scripts/demo_dissemination.py safeguard-data/demo --operation demo

Every step goes through the ``safeguard`` command line (in this process, so the 47
recipients' commands do not each pay interpreter start-up) and is checked against what the
step must have done; a failed check stops the script with exit 1. Each step's time is
printed, and ``--json FILE`` writes them. Re-running it is safe: keys that exist are kept,
only drafts are approved, a batch is never sent twice, the outcomes file is imported once,
and the overrides are made only when no supplementary package exists yet.

Steps: the agency signing key (``keys init``); an age identity for every recipient that has
a package (demo only: written to ``<data dir>/force-keys/RECIPIENT.key``; a real force keeps
its own) and ``forces set-key``; every draft approved by a second person
(``SAFEGUARD_USER=supervisor``); ``packages batch`` per recipient; ``package verify`` on
every batch; a tampered byte in a sealed file and in a bag file, each named by ``verify``;
``packages batch`` again (nothing sent twice); a few packages acknowledged; an outcomes CSV
written to the format of ``docs/packages.md`` and imported (twice: the second is a no-op);
``summary`` and ``report`` (the PDF's pages rendered with ``pdftoppm`` when it is there);
analysts' tier overrides on two sent packages' subjects, then ``rerun assess --downstream``:
exactly those two get a supplementary draft, every other package is unchanged.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyrage
from typer.testing import CliRunner

from safeguard.cli.main import app

DRAFTER_NOT = "supervisor"  # the approver: never the pipeline's user


class CheckFailed(Exception):
    pass


class Demo:
    def __init__(self, data_dir: Path, operation: str) -> None:
        self.data_dir, self.operation = data_dir, operation
        self.timings: dict[str, float] = {}
        self.runner = CliRunner()

    def cli(self, user: str, *args: str, ok: bool = True) -> Any:
        env = {
            "SAFEGUARD_DATA_DIR": str(self.data_dir),
            "SAFEGUARD_OPERATION": self.operation,
            "SAFEGUARD_USER": user,
        }
        result = self.runner.invoke(app, list(args), env=env)
        if ok and result.exit_code != 0:
            raise CheckFailed(
                f"safeguard {' '.join(args)}: exit {result.exit_code}: {result.output}"
            )
        return result

    def json(self, user: str, *args: str) -> Any:
        return json.loads(self.cli(user, *args, "--json").stdout)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        yield
        self.timings[name] = round(time.perf_counter() - t0, 2)
        print(f"  {name}: {self.timings[name]:.1f} s", flush=True)


def check(ok: bool, what: str) -> None:
    if not ok:
        raise CheckFailed(what)
    print(f"ok  {what}")


def _flip(path: Path) -> None:
    data = path.read_bytes()
    at = len(data) // 2
    path.write_bytes(data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :])


def keys(demo: Demo, recipients: set[str]) -> dict[str, Path]:
    if not (demo.data_dir / "keys" / "agency-ed25519.pem").exists():
        demo.cli("admin", "keys", "init")
    have = {k["recipient"] for k in demo.json("admin", "forces", "keys")}
    folder = demo.data_dir / "force-keys"
    folder.mkdir(exist_ok=True)
    files = {}
    for rid in sorted(recipients):
        path = folder / f"{rid.replace(':', '-')}.key"
        if rid not in have or not path.exists():
            identity = pyrage.x25519.Identity.generate()
            path.write_text(f"# demo identity for {rid}\n{identity}\n")
            path.chmod(0o600)
            demo.cli("admin", "forces", "set-key", rid, str(identity.to_public()))
        files[rid] = path
    check(
        recipients <= {k["recipient"] for k in demo.json("admin", "forces", "keys")},
        f"an age key for each of the {len(recipients)} recipients",
    )
    return files


def approve(demo: Demo, recipients: set[str]) -> None:
    drafts = [
        d
        for d in demo.json(DRAFTER_NOT, "packages", "list", "--status", "draft")
        if d["recipient"] in recipients
    ]
    refs = [d["reference"] for d in drafts]
    drafter = {d["drafted_by"] for d in drafts}
    check(DRAFTER_NOT not in drafter, f"the approver is not the drafter ({sorted(drafter)})")
    if drafter:
        own = demo.cli(next(iter(drafter)), "packages", "approve", refs[0], ok=False)
        check(own.exit_code == 5, "the drafter's own approval is refused")
    for i in range(0, len(refs), 500):
        demo.cli(DRAFTER_NOT, "packages", "approve", *refs[i : i + 500])
    left = [
        d
        for d in demo.json(DRAFTER_NOT, "packages", "list", "--status", "draft")
        if d["recipient"] in recipients
    ]
    check(not left, f"{len(refs)} drafts approved by a second person")


def send(demo: Demo, recipients: set[str]) -> list[dict[str, Any]]:
    approved = [
        d
        for d in demo.json("sender", "packages", "list", "--status", "approved")
        if d["recipient"] in recipients
    ]
    batches = [demo.json("sender", "packages", "batch", rid) for rid in sorted(recipients)]
    sent = [r for b in batches for r in b["packages"]]
    check(
        sorted(sent) == sorted(d["reference"] for d in approved),
        f"{len(sent)} approved packages sent in {sum(1 for b in batches if b['batch'])} batches",
    )
    return [b for b in batches if b["batch"]]


def verify(demo: Demo, batches: list[dict[str, Any]], identities: dict[str, Path]) -> None:
    pub = str(demo.data_dir / "keys" / "agency-ed25519.pub")
    n = 0
    for b in batches:
        key = str(identities[b["recipient"]])
        doc = demo.json("force", "package", "verify", b["directory"], "--identity", key,
                        "--agency-key", pub)  # fmt: skip
        check(sorted(doc["packages"]) == sorted(b["packages"]), f"batch {b['batch']} verifies")
        n += len(doc["packages"])
    print(f"ok  every one of {n} sent packages verified")


def tamper(demo: Demo, batch: dict[str, Any], identity: Path) -> None:
    pub = str(demo.data_dir / "keys" / "agency-ed25519.pub")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(shutil.copytree(batch["directory"], Path(tmp) / batch["batch"]))
        victim = f"{batch['packages'][0]}.tar.age"
        _flip(copy / victim)
        bad = demo.cli("force", "package", "verify", str(copy), "--identity", str(identity),
                       "--agency-key", pub, ok=False)  # fmt: skip
        said = " ".join(bad.output.split())
        check(bad.exit_code == 6 and f"{victim}: batch-manifest" in said, f"tampered: {said}")
        plain = pyrage.decrypt(
            (Path(batch["directory"]) / victim).read_bytes(),
            [pyrage.x25519.Identity.from_str(identity.read_text().split()[-1])],
        )
        with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
            tar.extractall(Path(tmp) / "bag", filter="data")
        bag = Path(tmp) / "bag" / batch["packages"][0]
        _flip(bag / "data" / "package.pdf")
        bad = demo.cli("force", "package", "verify", str(bag), "--agency-key", pub, ok=False)
        said = " ".join(bad.output.split())
        check(bad.exit_code == 6 and "data/package.pdf" in said, f"tampered: {said}")


#: What ``summary`` must count from :func:`outcomes_csv`'s rows (worked out by hand).
EXPECTED = {
    "arrests": 2,
    "charged": 1,
    "convicted": 1,
    "children_safeguarded": 2,
    "children_at_serious_risk": 1,
    "properties_searched": 2,
    "devices_examined": 2,
}


def outcomes_csv(path: Path, refs: list[str], day: str) -> None:
    """A force's return for three sent packages, in the format of ``docs/packages.md``."""
    a, b, c = refs[:3]
    rows = [
        (a, "accepted", "", "", "", "", ""), (a, "search", "2", "", "", "", "two addresses"),
        (a, "arrest", "", "", "", "", ""), (a, "devices_seized", "3", "", "", "", ""),
        (a, "devices_examined", "2", "", "", "", ""),
        (a, "charged", "", "Making indecent photographs of children", "", "", ""),
        (a, "convicted", "", "", "3 years' imprisonment", "", ""),
        (a, "children_safeguarded", "2", "", "", "1", ""),
        (b, "visit", "", "", "", "", ""), (b, "voluntary_interview", "", "", "", "", ""),
        (b, "no_further_action", "", "", "", "", ""),
        (c, "arrest", "", "", "", "", ""), (c, "referred_elsewhere", "", "", "", "", "to CEOP"),
    ]  # fmt: skip
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["package", "kind", "date", "count", "offences", "sentence", "serious_risk",
                    "detail"])  # fmt: skip
        for ref, kind, count, offences, sentence, serious, detail in rows:
            w.writerow([ref, kind, day, count, offences, sentence, serious, detail])


def outcomes(demo: Demo, sent: list[str]) -> dict[str, int]:
    path = demo.data_dir / "force-return.csv"
    if not path.exists():
        outcomes_csv(path, sent, datetime.now(UTC).date().isoformat())
    first = demo.json("officer", "outcomes", "import", str(path))
    again = demo.json("officer", "outcomes", "import", str(path))
    check(first["status"] in ("imported", "already imported"), f"outcomes: {first['status']}")
    check(again["status"] == "already imported", "importing it again changes nothing")
    return EXPECTED


def summary_and_report(demo: Demo, expected: dict[str, int]) -> None:
    doc = demo.json("analyst", "summary")
    got = {k: doc[k] for k in expected}
    check(got == expected, f"summary counts the force's return: {got}")
    files = demo.json("analyst", "report")
    check(Path(files["pdf"]).is_file() and Path(files["html"]).is_file(), f"report {files['pdf']}")
    if shutil.which("pdftoppm"):
        out = Path(files["pdf"]).with_suffix("")
        subprocess.run(["pdftoppm", "-r", "50", "-png", files["pdf"], str(out)], check=True)
        print(f"    pages rendered: {out}-*.png")


def supplementary(demo: Demo, sent: list[str]) -> None:
    before = {d["reference"]: d for d in demo.json("analyst", "packages", "list")}
    if any(d["version"] > 1 for d in before.values()):
        print("    supplementary packages exist already: the overrides were made by a run before")
        return
    targets = [r for r in sent[3:] if f"{r}-v2" not in before][:2]
    for ref in targets:
        label, tier = before[ref]["subject"], before[ref]["tier"]
        demo.cli("analyst", "subjects", "override", label, "--tier", "2" if tier == "1" else "1",
                 "--why", "demo: new intelligence from the force")  # fmt: skip
    demo.cli("analyst", "rerun", "assess", "--downstream")
    after = {d["reference"]: d for d in demo.json("analyst", "packages", "list")}
    new = sorted(set(after) - set(before))
    check(new == sorted(f"{r}-v2" for r in targets), f"supplementary drafts exactly: {new}")
    same = all(after[r]["sha256"] == before[r]["sha256"] for r in before if r in after)
    check(same and set(before) <= set(after), "every other package unchanged, none removed")


def run(data_dir: Path, operation: str, only: set[str] | None = None) -> dict[str, float]:
    """Every step, for every recipient or ``only`` those (the others' drafts stay drafts)."""
    demo = Demo(data_dir, operation)
    packages = demo.json("analyst", "packages", "list")
    recipients = {d["recipient"] for d in packages}
    print(f"{len(packages)} packages for {len(recipients)} recipients in {operation}")
    if only is not None:
        recipients &= only
        check(bool(recipients), f"packages for one of {sorted(only)}")
        print(f"    sending those of {len(recipients)}: {', '.join(sorted(recipients))}")
    with demo.step("keys"):
        identities = keys(demo, recipients)
    with demo.step("approve"):
        approve(demo, recipients)
    with demo.step("send in batches"):
        batches = send(demo, recipients)
    with demo.step("verify"):
        verify(demo, batches, identities)
    if batches:
        with demo.step("tamper"):
            tamper(demo, batches[0], identities[batches[0]["recipient"]])
    with demo.step("batch again"):
        again = [demo.json("sender", "packages", "batch", r)["batch"] for r in sorted(recipients)]
        check(not any(again), "running the batches again sends nothing twice")
    sent = [
        d["reference"]
        for status in ("actioned", "acknowledged", "sent")
        for d in demo.json("analyst", "packages", "list", "--status", status)
    ]
    with demo.step("acknowledge"):
        waiting = [
            d["reference"] for d in demo.json("force", "packages", "list", "--status", "sent")
        ]
        for ref in [r for r in waiting if r not in sent[:3]][:5]:
            demo.cli("force", "packages", "ack", ref)
    with demo.step("outcomes"):
        expected = outcomes(demo, sent)
    with demo.step("summary and report"):
        summary_and_report(demo, expected)
    with demo.step("re-run after outcomes"):
        supplementary(demo, sent)
    return demo.timings


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data_dir", type=Path)
    ap.add_argument("--operation", default="demo")
    ap.add_argument("--json", type=Path, help="Write the step timings here.")
    ap.add_argument(
        "--recipients",
        help="Comma-separated recipients to approve and send to (default: every recipient).",
    )
    args = ap.parse_args()
    only = set(args.recipients.split(",")) if args.recipients else None
    try:
        timings = run(args.data_dir, args.operation, only)
    except CheckFailed as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    if args.json:
        args.json.write_text(json.dumps(timings, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
