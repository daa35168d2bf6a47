"""The industry matching API answers match, category, distance and hash-set version for a
batch of hashes or one file sent in memory, and refuses what is too big."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from skimage import data as samples

from safeguard.access import issue_token
from safeguard.authz import Role
from safeguard.hashing import pdq_of_array
from safeguard.hashsets import import_hash_set
from safeguard.store.db import Store
from safeguard.web.routes import match as match_routes
from tests.support.web import WebWorld, build_world


def _png(pixels: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def world(store: Store, tmp_path: Path) -> tuple[WebWorld, bytes, np.ndarray]:
    photo: np.ndarray = samples.astronaut()  # type: ignore[no-untyped-call]  # public sample photo
    png = _png(photo)
    csv = tmp_path / "known.csv"
    csv.write_text(
        "md5,sha1,sha256,pdq,category\n"
        f"{hashlib.md5(png).hexdigest()},,,,A\n"
        f",,,{pdq_of_array(photo).hex},B\n",
        encoding="utf-8",
    )
    import_hash_set(store, csv, name="synthetic-known", fmt="safeguard-csv")
    return build_world(store, tmp_path), png, photo


def _partner(world: WebWorld) -> TestClient:
    with world.store.session() as s:
        token = issue_token(s, world.users[Role.PARTNER].username, by="admin").token
    return TestClient(
        world.app, base_url="https://testserver", headers={"authorization": f"Bearer {token}"}
    )


def test_batch_answers_exact_pdq_and_no_match(world: tuple[WebWorld, bytes, np.ndarray]) -> None:
    w, png, photo = world
    brighter = np.clip(photo.astype(np.int16) + 12, 0, 255).astype(np.uint8)
    near = pdq_of_array(brighter).hex
    far = "f" * 64
    body = {
        "hashes": [
            {"value": hashlib.md5(png).hexdigest().upper()},
            {"kind": "pdq", "value": near},
            {"kind": "md5", "value": "0" * 32},
            {"kind": "pdq", "value": far},
        ]
    }
    r = _partner(w).post("/api/v1/match", json=body)
    assert r.status_code == 200
    doc = r.json()
    assert doc["hash_sets"] == ["synthetic-known@1"]
    exact, pdq, none, none_pdq = doc["results"]
    assert exact["matched"] and exact["hits"][0] == {
        "set": "synthetic-known",
        "version": 1,
        "category": "A",
        "method": "md5",
        "distance": 0,
    }
    assert pdq["matched"] and pdq["hits"][0]["category"] == "B"
    expected = bin(int(near, 16) ^ int(pdq_of_array(photo).hex, 16)).count("1")
    assert pdq["hits"][0]["distance"] == expected <= 31
    assert not none["matched"] and not none_pdq["matched"]


def test_file_is_matched_in_memory(world: tuple[WebWorld, bytes, np.ndarray]) -> None:
    w, png, _ = world
    r = _partner(w).post(
        "/api/v1/match/file?name=photo.png",
        content=png,
        headers={"content-type": "application/octet-stream"},
    )
    assert r.status_code == 200
    (result,) = r.json()["results"]
    assert result["input"] == "photo.png"
    assert {h["method"] for h in result["hits"]} == {"md5", "pdq"}
    text = _partner(w).post("/api/v1/match/file", content=b"just some text").json()
    assert text["results"][0]["matched"] is False
    assert "no PDQ" in text["results"][0]["note"]


def test_too_big_and_malformed_requests_are_refused(
    world: tuple[WebWorld, bytes, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    w, png, _ = world
    monkeypatch.setattr(match_routes, "MAX_UPLOAD_BYTES", len(png) - 1)
    client = _partner(w)
    assert client.post("/api/v1/match/file", content=png).status_code == 413
    assert client.post("/api/v1/match", json={"hashes": [{"value": "xyz"}]}).status_code == 422
    assert client.post("/api/v1/match", json={"hashes": []}).status_code == 422
    too_many = {"hashes": [{"value": "ab" * 16}] * 1001}
    assert client.post("/api/v1/match", json=too_many).status_code == 422
    assert client.post("/api/v1/match", json={"hashes": [{"value": "ab" * 17}]}).status_code == 422
    wrong_kind = {"hashes": [{"kind": "sha1", "value": "ab" * 16}, {"value": "cd" * 16}]}
    answered = client.post("/api/v1/match", json=wrong_kind).json()["results"]
    assert answered[0] == {
        "input": "ab" * 16,
        "matched": False,
        "hits": [],
        "note": f"'{'ab' * 16}' is not a sha1 hash",
    }
    assert answered[1]["input"] == "cd" * 16  # one odd hash does not sink the batch


def test_one_batch_keeps_each_hashs_own_quality_rule(
    world: tuple[WebWorld, bytes, np.ndarray],
) -> None:
    """The batch is matched in a few engine calls; each hash still gets its own rule: a PDQ
    hash below the minimum quality is not matched, one of unknown quality is."""
    w, _, photo = world
    known = pdq_of_array(photo).hex
    body = {
        "hashes": [
            {"kind": "pdq", "value": known, "quality": 10},
            {"kind": "pdq", "value": known},
            {"value": known, "quality": 90},
            {"kind": "sha1", "value": known},
        ]
    }
    low, unknown, inferred, wrong = _partner(w).post("/api/v1/match", json=body).json()["results"]
    assert not low["matched"]
    assert unknown["matched"] and unknown["hits"][0]["distance"] == 0
    assert inferred["matched"] and [h["method"] for h in inferred["hits"]] == ["pdq"]
    assert not wrong["matched"] and wrong["note"]
