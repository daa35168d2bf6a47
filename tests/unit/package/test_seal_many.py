"""Sealing many packages on every core gives what sealing them one by one gives."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pyrage
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from safeguard.package.bag import seal, seal_many
from safeguard.package.keys import AgencyKey

GOLDEN = Path(__file__).parents[3] / "tests" / "e2e" / "golden" / "top_package.json"


def _docs(n: int) -> list[dict[str, Any]]:
    base: dict[str, Any] = json.loads(GOLDEN.read_text())
    return [{**base, "reference": f"{base['reference']}-{i}"} for i in range(n)]


def _members(sealed: bytes, identity: Any) -> dict[str, bytes]:
    plain = pyrage.decrypt(sealed, [identity])
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        return {
            m.name: fh.read()
            for m in tar.getmembers()
            if m.isfile() and (fh := tar.extractfile(m)) is not None
        }


def test_a_process_pool_seals_the_same_bags_in_the_same_order() -> None:
    key = AgencyKey(Ed25519PrivateKey.generate(), Path("agency.pub"))
    identity = pyrage.x25519.Identity.generate()
    docs = _docs(5)
    done: list[int] = []
    pooled = list(
        seal_many(docs, key, str(identity.to_public()), workers=2, on_done=lambda: done.append(1))
    )
    assert len(done) == 5
    for doc, sealed in zip(docs, pooled, strict=True):
        one = _members(seal(doc, key, str(identity.to_public())), identity)
        got = _members(sealed, identity)
        assert f"{doc['reference']}/data/package.json" in got
        assert got == one
