"""Benchmark: packages/s to build, sign and encrypt, and to verify, against a plain loop.

A synthetic operation (``--scale full``: the 30,000-account demo operation of ``make demo``,
``safeguard synth --accounts 30000 --seed 7``; ``small``: 3,000 accounts) is taken through the
whole pipeline once (cached under ``bench/out/package``). Then, in this one process, every
drafted package is sealed by our code (``package.bag.seal``: package.json, the ReportLab PDF
and the hash annex into a BagIt bag with SHA-256 manifests, Ed25519 signature, reproducible
tar, age encryption) and verified (``package.verify.verify``: decrypt, archive, signature,
manifest, schema).

Anchor (same run, same documents): a plain loop written here with the libraries alone:
``bagit.make_bag`` over the same three payload files (their bytes prepared before timing,
so the anchor does not render PDFs), ``cryptography`` Ed25519 signing of the tag manifest,
``tarfile``, ``pyrage.encrypt``; verify: ``pyrage.decrypt``, ``tarfile`` extraction, Ed25519
verify, ``bagit.Bag.validate``, ``jsonschema`` validation. speedup = anchor s / our s (below 1:
we are slower; the PDF rendering is our main extra work and is timed on its own too).

    .venv/bin/python bench/package.py --scale small
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

import bagit
import jsonschema
import pyrage
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from safeguard import synth
from safeguard.config import Settings
from safeguard.package.bag import annex_csv, seal
from safeguard.package.content import canonical_json
from safeguard.package.keys import AgencyKey
from safeguard.package.lifecycle import issued_document
from safeguard.package.pdf import render_pdf
from safeguard.package.verify import package_schema, verify
from safeguard.pipeline import run_pipeline, synth_inputs
from safeguard.store.db import Store
from safeguard.store.models import IntelPackage

OUT = Path(__file__).parent / "out" / "package"
SIZES = {"small": 3_000, "full": 30_000}
SEED = 7  # the demo operation's seed (Makefile DEMO_SEED)


def prepare(n: int) -> tuple[Store, list[dict[str, Any]]]:
    root = OUT / str(n)
    settings = Settings(
        data_dir=root / "data", database_url=f"sqlite:///{root / 'bench.db'}", user="bench"
    )
    if not (root / "synth" / "ground_truth.json").is_file():
        synth.generate(root / "synth", accounts=n, seed=SEED)
    fresh = not (root / "bench.db").exists()
    store = Store.open_url(settings.url)
    if fresh:
        run_pipeline(store, settings, "demo", synth_inputs(root / "synth"), user="bench")
    with store.session() as s:
        docs = [
            issued_document(p, None, "bench desk")
            for p in s.scalars(select(IntelPackage).order_by(IntelPackage.reference))
        ]
    return store, docs


def _anchor_seal(
    doc: dict[str, Any], payload: dict[str, bytes], key: Ed25519PrivateKey, recipient: Any
) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        bag_dir = Path(tmp) / doc["reference"]
        bag_dir.mkdir()
        for name, data in payload.items():
            (bag_dir / name).write_bytes(data)
        bagit.make_bag(
            str(bag_dir), {"External-Identifier": doc["reference"]}, checksums=["sha256"]
        )
        sig = key.sign((bag_dir / "tagmanifest-sha256.txt").read_bytes())
        (bag_dir / "signature.ed25519").write_bytes(base64.b64encode(sig))
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            tar.add(bag_dir, arcname=doc["reference"])
        return pyrage.encrypt(buf.getvalue(), [recipient])


def _anchor_verify(
    data: bytes, identity: Any, key: Ed25519PrivateKey, validator: jsonschema.Validator
) -> None:
    plain = pyrage.decrypt(data, [identity])
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
            tar.extractall(tmp, filter="data")
        bag_dir = next(Path(tmp).iterdir())
        sig = base64.b64decode((bag_dir / "signature.ed25519").read_bytes())
        key.public_key().verify(sig, (bag_dir / "tagmanifest-sha256.txt").read_bytes())
        bagit.Bag(str(bag_dir)).validate()
        validator.validate(json.loads((bag_dir / "data" / "package.json").read_bytes()))


def _rate(n: int, seconds: float) -> float:
    return n / seconds if seconds else float("inf")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", choices=sorted(SIZES), default="small")
    ap.add_argument("--limit", type=int, default=0, help="Only the first N packages.")
    args = ap.parse_args()
    store, docs = prepare(SIZES[args.scale])
    docs = docs[: args.limit] if args.limit else docs
    private = Ed25519PrivateKey.generate()
    key = AgencyKey(private, Path("agency-ed25519.pub"))
    identity = pyrage.x25519.Identity.generate()
    recipient = identity.to_public()
    t0 = time.perf_counter()
    pdfs = [render_pdf(d) for d in docs]  # the anchor's payload; also PDF rendering alone
    pdf_s = time.perf_counter() - t0
    payloads = [
        {"package.json": canonical_json(d), "package.pdf": pdf, "annex-hashes.csv": annex_csv(d)}
        for d, pdf in zip(docs, pdfs, strict=True)
    ]
    t0 = time.perf_counter()
    sealed = [seal(d, key, str(recipient)) for d in docs]
    ours_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for d, p in zip(docs, payloads, strict=True):
        _anchor_seal(d, p, private, recipient)
    anchor_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for d, data in zip(docs, sealed, strict=True):
            path = Path(tmp) / f"{d['reference']}.tar.age"
            path.write_bytes(data)
            paths.append(path)
        t0 = time.perf_counter()
        for path in paths:
            verify(path, private.public_key(), str(identity))
        ours_v = time.perf_counter() - t0
    validator = jsonschema.Draft202012Validator(package_schema())  # built once, as ours is
    t0 = time.perf_counter()
    for data in sealed:
        _anchor_verify(data, identity, private, validator)
    anchor_v = time.perf_counter() - t0
    n = len(docs)
    store.dispose()
    print(
        f"{SIZES[args.scale]:,}-account operation: {n:,} packages "
        f"(mean {sum(len(s) for s in sealed) / max(n, 1) / 1024:.0f} KiB sealed)"
    )
    print(
        f"build+sign+encrypt: ours {_rate(n, ours_s):.1f}/s (PDF rendering alone "
        f"{_rate(n, pdf_s):.1f}/s), anchor {_rate(n, anchor_s):.1f}/s, "
        f"ratio {anchor_s / ours_s:.2f}"
    )
    print(
        f"verify: ours {_rate(n, ours_v):.1f}/s, anchor {_rate(n, anchor_v):.1f}/s, "
        f"ratio {anchor_v / ours_v:.2f}"
    )
    print(
        json.dumps(
            {
                "bench": "package",
                "scale": args.scale,
                "packages": n,
                "speedup": round(anchor_s / ours_s, 3),
                "verify_speedup": round(anchor_v / ours_v, 3),
                "ours_per_s": round(_rate(n, ours_s), 2),
                "anchor_per_s": round(_rate(n, anchor_s), 2),
                "pdf_per_s": round(_rate(n, pdf_s), 2),
                "verify_per_s": round(_rate(n, ours_v), 2),
                "anchor_verify_per_s": round(_rate(n, anchor_v), 2),
            }
        )
    )


if __name__ == "__main__":
    main()
