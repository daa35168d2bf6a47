"""Benchmark: packages/s to build, sign and encrypt, and to verify, against a plain loop.

Input: the drafted packages of a synthetic operation (``--scale full``: the 30,000-account
demo operation of ``make demo``, ``safeguard synth --accounts 30000 --seed 7``; ``small``:
3,000 accounts), taken through the whole pipeline once and cached under
``bench/out/package``; or an existing operation (``--data-dir safeguard-data/demo
--operation demo``, e.g. the one ``make demo-data`` made).

Ours: ``package.bag.seal_many``'s worker (package.json, the ReportLab PDF and the hash annex into a
BagIt bag with SHA-256 manifests, Ed25519 signature of the tag manifest, reproducible tar,
age encryption; a process pool on every core) and ``package.verify.verify`` (decrypt,
archive, signature, manifest, schema) in the same pool size.

Anchor, the same work written plainly here with the libraries alone: ``json.dumps`` of the
document, an equivalent PDF with plain ReportLab (SimpleDocTemplate, the same sections as
heading + Table of the same values, the marking in every header and footer, hash annex),
the same annex CSV, ``bagit.make_bag(checksums=["sha256"])``, ``cryptography`` Ed25519
signature of the tag manifest, ``tarfile``, ``pyrage.encrypt``; verify: ``pyrage.decrypt``,
``tarfile`` extraction, Ed25519 verify, ``bagit.Bag.validate``, ``jsonschema`` (validator
built once, as ours is). Both build and unpack bags in the same scratch directory
(``/dev/shm`` where there is one, as ``package.files.scratch_dir``). Fair: same documents,
same process-pool size (``--workers``, default every core), both sides warmed up (a chunk
each before the clock), and timed in interleaved chunks (ours, anchor, ours, ...) so load
on the shared machine falls on both; rates are medians over chunks. ratio = our rate /
anchor rate (above 1: we are faster).

    .venv/bin/python bench/package.py --scale small
    .venv/bin/python bench/package.py --data-dir safeguard-data/demo --operation demo
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import statistics
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

OUT = Path(__file__).parent / "out" / "package"
#: The anchor builds and unpacks its bags where ours does (package.files.scratch_dir).
SCRATCH = "/dev/shm" if os.access("/dev/shm", os.W_OK | os.X_OK) else None
SIZES = {"small": 3_000, "full": 30_000}
SEED = 7  # the demo operation's seed (Makefile DEMO_SEED)


def prepare(n: int, data_dir: Path | None, operation: str) -> list[dict[str, Any]]:
    """The operation's packages as they would be issued (no signing time, fixed contact)."""
    from sqlalchemy import select

    from safeguard import synth
    from safeguard.config import Settings
    from safeguard.package.lifecycle import issued_document
    from safeguard.pipeline import run_pipeline, synth_inputs
    from safeguard.store.db import Store
    from safeguard.store.models import IntelPackage

    if data_dir is not None:
        settings = Settings(data_dir=data_dir, user="bench")
    else:
        root = OUT / str(n)
        settings = Settings(
            data_dir=root / "data", database_url=f"sqlite:///{root / 'bench.db'}", user="bench"
        )
        if not (root / "synth" / "ground_truth.json").is_file():
            synth.generate(root / "synth", accounts=n, seed=SEED)
        fresh = not (root / "bench.db").exists()
    store = Store.open_url(settings.url)
    if data_dir is None and fresh:
        run_pipeline(store, settings, operation, synth_inputs(root / "synth"), user="bench")
    op_id = store.operation_id(operation)
    with store.session() as s:
        rows = s.scalars(
            select(IntelPackage)
            .where(IntelPackage.operation_id == op_id)
            .order_by(IntelPackage.reference)
        )
        docs = [issued_document(p, None, "bench desk") for p in rows]
    store.dispose()
    return docs


# --- the anchor: the same work, written plainly -------------------------------------------


def _anchor_pdf(doc: dict[str, Any]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    marking = doc["classification"]

    def page(canvas: Any, d: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica-Bold", 10)
        canvas.drawCentredString(A4[0] / 2, A4[1] - 12 * mm, marking)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, marking)
        canvas.restoreState()

    def table(rows: list[list[Any]]) -> LongTable:
        t = LongTable([[str(c) for c in r] for r in rows] or [[""]], repeatRows=1)
        t.setStyle(
            [("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("FONTSIZE", (0, 0), (-1, -1), 7)]
        )
        return t

    def kv(d: dict[str, Any]) -> LongTable:
        return table(
            [[k, json.dumps(v) if isinstance(v, dict | list) else v] for k, v in d.items()]
        )

    m, a = doc["material"], doc["attribution"]
    story: list[Any] = [Paragraph(f"Intelligence package {doc['reference']}", styles["Title"])]
    sections: list[tuple[str, LongTable]] = [
        ("Issued", kv({**doc["recipient"], **(doc.get("issued") or {})})),
        ("Grading and handling", kv(doc["grading"])),
        (
            "Identifiers",
            table(
                [["platform", "account", "username"]]
                + [
                    [x["platform"], x["account_id"], x["username"]]
                    for x in doc["subject"]["accounts"]
                ]
            ),
        ),
        (
            "Risk tier and reasons",
            table(
                [["factor", "reason", "points"]]
                + [
                    [r.get("factor"), r.get("text"), r.get("points")]
                    for r in doc["priority"]["reasons"]
                ]
            ),
        ),
        ("Recommended action", kv(doc["recommended_action"])),
        ("Attribution", kv({k: a[k] for k in ("force_id", "rocu", "confidence")})),
        ("Evidence", table([[json.dumps(e)[:120]] for e in (a["evidence"] or [])[:60]])),
        ("Material", kv({**m["counts"], **m["matched_files_by_category"]})),
        ("Checks", table([[c["source"], c["finding"], c["detail"]] for c in doc["checks"]])),
        (
            "Deconfliction",
            table([[d.get("force_id"), d.get("reference")] for d in doc["deconfliction"]]),
        ),
        (
            "Annex: hashes",
            table(
                [["sha256", "category", "series", "method"]]
                + [
                    [h["sha256"] or h["md5"], h["category"], h["series"] or "", h["method"]]
                    for h in m["hashes"]
                ]
            ),
        ),
    ]
    for title, flowable in sections:
        story += [Paragraph(title, styles["Heading2"]), flowable, Spacer(1, 3 * mm)]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, invariant=1).build(
        story, onFirstPage=page, onLaterPages=page
    )
    return buf.getvalue()


def _anchor_csv(doc: dict[str, Any]) -> bytes:
    import csv

    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["sha256", "md5", "category", "series", "method", "directions"])
    for h in doc["material"]["hashes"]:
        w.writerow(
            [
                h["sha256"],
                h["md5"],
                h["category"],
                h["series"],
                h["method"],
                ";".join(h["directions"]),
            ]
        )
    return out.getvalue().encode()


def anchor_seal(doc: dict[str, Any], private_raw: bytes, age_public: str) -> bytes:
    import bagit
    import pyrage
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.from_private_bytes(private_raw)
    with tempfile.TemporaryDirectory(dir=SCRATCH) as tmp:
        bag_dir = Path(tmp) / doc["reference"]
        bag_dir.mkdir()
        (bag_dir / "package.json").write_text(json.dumps(doc, sort_keys=True, default=str))
        (bag_dir / "package.pdf").write_bytes(_anchor_pdf(doc))
        (bag_dir / "annex-hashes.csv").write_bytes(_anchor_csv(doc))
        bagit.make_bag(
            str(bag_dir), {"External-Identifier": doc["reference"]}, checksums=["sha256"]
        )
        sig = key.sign((bag_dir / "tagmanifest-sha256.txt").read_bytes())
        (bag_dir / "signature.ed25519").write_bytes(base64.b64encode(sig))
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            tar.add(bag_dir, arcname=doc["reference"])
        return pyrage.encrypt(buf.getvalue(), [pyrage.x25519.Recipient.from_str(age_public)])


_VALIDATOR: Any = None


def anchor_verify(path: str, identity: str, public_raw: bytes) -> str:
    import bagit
    import jsonschema
    import pyrage
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from safeguard.package.verify import package_schema

    global _VALIDATOR  # noqa: PLW0603 - built once per worker, as ours is
    if _VALIDATOR is None:
        _VALIDATOR = jsonschema.Draft202012Validator(package_schema())
    plain = pyrage.decrypt(Path(path).read_bytes(), [pyrage.x25519.Identity.from_str(identity)])
    with tempfile.TemporaryDirectory(dir=SCRATCH) as tmp:
        with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
            tar.extractall(tmp, filter="data")
        bag_dir = next(Path(tmp).iterdir())
        sig = base64.b64decode((bag_dir / "signature.ed25519").read_bytes())
        Ed25519PublicKey.from_public_bytes(public_raw).verify(
            sig, (bag_dir / "tagmanifest-sha256.txt").read_bytes()
        )
        bagit.Bag(str(bag_dir)).validate()
        doc = json.loads((bag_dir / "data" / "package.json").read_bytes())
        _VALIDATOR.validate(doc)
        return str(doc["reference"])


# --- ours, as a pool worker sees it --------------------------------------------------------


def ours_verify(path: str, identity: str, public_raw: bytes) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from safeguard.package.verify import verify

    return verify(Path(path), Ed25519PublicKey.from_public_bytes(public_raw), identity).reference


# --- timing ---------------------------------------------------------------------------------


def _chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def interleaved(
    chunks: Sequence[Sequence[Any]], sides: dict[str, Callable[[Sequence[Any]], Iterable[Any]]]
) -> dict[str, list[float]]:
    """Per-chunk rates (items/s) of each side, the sides taking turns chunk by chunk."""
    rates: dict[str, list[float]] = {name: [] for name in sides}
    for i, chunk in enumerate(chunks):
        order = list(sides) if i % 2 == 0 else list(reversed(sides))
        for name in order:
            t0 = time.perf_counter()
            for _ in sides[name](chunk):
                pass
            rates[name].append(len(chunk) / (time.perf_counter() - t0))
    return rates


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    import itertools

    import pyrage
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from safeguard.package.bag import _seal_raw

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", choices=sorted(SIZES), default="small")
    ap.add_argument("--data-dir", type=Path, help="Use this data dir's operation instead.")
    ap.add_argument("--operation", default="demo")
    ap.add_argument("--limit", type=int, default=0, help="Only N packages, evenly spread.")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--chunk", type=int, default=40, help="Packages per timed chunk.")
    args = ap.parse_args()
    docs = prepare(SIZES[args.scale], args.data_dir, args.operation)
    if args.limit and args.limit < len(docs):
        docs = docs[:: len(docs) // args.limit][: args.limit]
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public_raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    identity = pyrage.x25519.Identity.generate()
    age_public, secret = str(identity.to_public()), str(identity)
    n, w = len(docs), args.workers
    load_before = _load()
    pool = ProcessPoolExecutor(max_workers=w, mp_context=get_context("forkserver"))
    sealed: dict[str, bytes] = {}

    def ours(chunk: Sequence[dict[str, Any]]) -> Iterable[bytes]:
        # seal_many's own worker function, on the pool both sides share (seal_many starts a
        # pool per batch; here a chunk is not a batch, so start-up stays out of the timing).
        it = pool.map(
            _seal_raw, chunk, itertools.repeat(raw), itertools.repeat(age_public), chunksize=2
        )
        for d, b in zip(chunk, it, strict=True):
            sealed[d["reference"]] = b
            yield b

    def anchor(chunk: Sequence[dict[str, Any]]) -> Iterable[bytes]:
        return pool.map(
            anchor_seal, chunk, itertools.repeat(raw), itertools.repeat(age_public), chunksize=2
        )

    warm = docs[: 2 * w]
    list(ours(warm)), list(anchor(warm))  # imports, fonts, pool start-up: before the clock
    t0 = time.perf_counter()
    build = interleaved(_chunks(docs, args.chunk), {"ours": ours, "anchor": anchor})
    build_wall = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for d in docs:
            path = Path(tmp) / f"{d['reference']}.tar.age"
            path.write_bytes(sealed[d["reference"]])
            paths.append(str(path))

        def side(fn: Callable[..., str]) -> Callable[[Sequence[str]], Iterable[str]]:
            return lambda chunk: pool.map(
                fn, chunk, itertools.repeat(secret), itertools.repeat(public_raw), chunksize=4
            )

        sides = {"ours": side(ours_verify), "anchor": side(anchor_verify)}
        for f in sides.values():
            list(f(paths[: 2 * w]))
        check = interleaved(_chunks(paths, args.chunk * 2), sides)
    pool.shutdown()
    mean_kib = sum(len(b) for b in sealed.values()) / max(n, 1) / 1024
    med = {k: statistics.median(v) for k, v in build.items()}
    vmed = {k: statistics.median(v) for k, v in check.items()}
    ratio, vratio = med["ours"] / med["anchor"], vmed["ours"] / vmed["anchor"]
    print(
        f"{n:,} packages (mean {mean_kib:.0f} KiB sealed), {w} worker process(es) each side, "
        f"{len(build['ours'])} interleaved chunks; load before {load_before}, after {_load()}"
    )
    print(
        f"build+sign+encrypt (median of chunks): ours {med['ours']:.1f}/s, "
        f"anchor {med['anchor']:.1f}/s, ratio {ratio:.2f}  ({build_wall:.0f} s both sides)"
    )
    print(
        f"verify (median of chunks): ours {vmed['ours']:.1f}/s, anchor {vmed['anchor']:.1f}/s, "
        f"ratio {vratio:.2f}"
    )
    print(
        json.dumps(
            {
                "bench": "package",
                "scale": "demo" if args.data_dir else args.scale,
                "packages": n,
                "workers": w,
                "speedup": round(ratio, 3),
                "verify_speedup": round(vratio, 3),
                "ours_per_s": round(med["ours"], 2),
                "anchor_per_s": round(med["anchor"], 2),
                "verify_per_s": round(vmed["ours"], 2),
                "anchor_verify_per_s": round(vmed["anchor"], 2),
                "load": _load(),
            }
        )
    )


if __name__ == "__main__":
    main()
