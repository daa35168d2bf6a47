"""A sent package: a BagIt bag, signed with the agency key, tarred and encrypted with age.

Bag layout (``docs/packages.md``)::

    <reference>/bagit.txt, bag-info.txt, manifest-sha256.txt, tagmanifest-sha256.txt
    <reference>/signature.ed25519      base64 Ed25519 signature of tagmanifest-sha256.txt
    <reference>/data/package.json      the canonical package document
    <reference>/data/package.pdf       the same for people
    <reference>/data/annex-hashes.csv  the matched files' hashes

The signature covers the tag manifest, which covers the payload manifest and bag-info,
which cover every payload file: one signature vouches for every byte but its own.
"""

from __future__ import annotations

import base64
import csv
import io
import itertools
import multiprocessing
import os
import tarfile
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import bagit
import pyrage

from safeguard.package.content import canonical_json
from safeguard.package.files import scratch_dir
from safeguard.package.keys import AgencyKey
from safeguard.package.pdf import render_pdf

__all__ = [
    "ANNEX_COLUMNS",
    "PARALLEL_FROM",
    "SIGNATURE_NAME",
    "TAGMANIFEST",
    "annex_csv",
    "build_bag",
    "seal",
    "seal_many",
]

SIGNATURE_NAME = "signature.ed25519"
#: From this many packages, :func:`seal_many` seals on every core (a process pool).
PARALLEL_FROM = 24
TAGMANIFEST = "tagmanifest-sha256.txt"
ANNEX_COLUMNS = ("sha256", "md5", "category", "series", "method", "directions")


def annex_csv(doc: dict[str, Any]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ANNEX_COLUMNS)
    for h in doc["material"]["hashes"]:
        writer.writerow(
            [
                h["sha256"] or "",
                h["md5"] or "",
                h["category"],
                h["series"] or "",
                h["method"],
                ";".join(h["directions"]),
            ]
        )
    return out.getvalue().encode()


def build_bag(root: Path, doc: dict[str, Any], key: AgencyKey) -> Path:
    """Write the signed bag for ``doc`` under ``root``; return its directory."""
    bag_dir = root / str(doc["reference"])
    bag_dir.mkdir(parents=True)
    (bag_dir / "package.json").write_bytes(canonical_json(doc))
    (bag_dir / "package.pdf").write_bytes(render_pdf(doc))
    (bag_dir / "annex-hashes.csv").write_bytes(annex_csv(doc))
    bagit.make_bag(
        str(bag_dir),
        {
            "Source-Organization": "Safeguard",
            "External-Identifier": doc["reference"],
            "External-Description": f"{doc['classification']} intelligence package",
            "Safeguard-Schema": doc["schema"],
            "Safeguard-Classification": doc["classification"],
            "Safeguard-Grading": doc["grading"]["code"],
            "Safeguard-Signing-Key": key.fingerprint,
        },
        checksums=["sha256"],
    )
    signature = key.private.sign((bag_dir / TAGMANIFEST).read_bytes())
    (bag_dir / SIGNATURE_NAME).write_bytes(base64.b64encode(signature) + b"\n")
    return bag_dir


def _tar(bag_dir: Path) -> bytes:
    """A reproducible tar of the bag: sorted members, no owners, fixed times."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted([bag_dir, *bag_dir.rglob("*")]):
            info = tar.gettarinfo(str(path), arcname=str(path.relative_to(bag_dir.parent)))
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mtime = 0
            info.mode = 0o755 if path.is_dir() else 0o644
            if path.is_file():
                with path.open("rb") as fh:
                    tar.addfile(info, fh)
            else:
                tar.addfile(info)
    return buf.getvalue()


def seal(doc: dict[str, Any], key: AgencyKey, age_public_key: str) -> bytes:
    """The encrypted package: the signed bag, tarred, encrypted to one age recipient."""
    recipient = pyrage.x25519.Recipient.from_str(age_public_key)
    with tempfile.TemporaryDirectory(prefix="safeguard-bag-", dir=scratch_dir()) as tmp:
        bag_dir = build_bag(Path(tmp), doc, key)
        return pyrage.encrypt(_tar(bag_dir), [recipient])


def _seal_raw(doc: dict[str, Any], private_raw: bytes, age_public_key: str) -> bytes:
    """:func:`seal` with the key as raw bytes (what a pool worker can be handed)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = AgencyKey(Ed25519PrivateKey.from_private_bytes(private_raw), Path())
    return seal(doc, key, age_public_key)


def _workers(n: int, workers: int | None) -> int:
    if workers is not None:
        return max(1, workers)
    return min(os.cpu_count() or 1, 8) if n >= PARALLEL_FROM else 1


def seal_many(
    docs: Sequence[dict[str, Any]],
    key: AgencyKey,
    age_public_key: str,
    *,
    workers: int | None = None,
    on_done: Callable[[], None] = lambda: None,
) -> Iterator[bytes]:
    """Seal ``docs`` in order; on every core (processes) when there are many of them."""
    n = _workers(len(docs), workers)
    if n == 1:
        for doc in docs:
            yield seal(doc, key, age_public_key)
            on_done()
        return
    from cryptography.hazmat.primitives import serialization

    raw = key.private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    # forkserver: workers start clean, not as copies of a process holding database
    # connections and threads.
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=n, mp_context=context) as pool:
        for sealed in pool.map(
            _seal_raw, docs, itertools.repeat(raw), itertools.repeat(age_public_key), chunksize=4
        ):
            yield sealed
            on_done()
