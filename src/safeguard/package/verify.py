"""Checking a package as a recipient would: decryption, signature, manifests, schema.

``verify`` takes the ``.tar.age`` file as sent (with the recipient's age identity), the
decrypted ``.tar`` or an unpacked bag directory, and runs the checks in order:

1. ``decrypt``: age decryption with the identity (any changed byte fails: age is
   authenticated);
2. ``archive``: the tar holds exactly one bag directory and nothing outside it;
3. ``signature``: ``signature.ed25519`` is the agency key's signature of the tag manifest;
4. ``manifest``: every tag and payload file has the SHA-256 its manifest lists, and no
   payload file is missing or extra (BagIt);
5. ``schema``: ``data/package.json`` is valid against the package JSON Schema.

The first failure is raised as :class:`VerifyFailed` naming the file and the check.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import bagit
import jsonschema
import pyrage
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from safeguard.errors import VerifyFailed
from safeguard.package.bag import SIGNATURE_NAME, TAGMANIFEST
from safeguard.package.files import scratch_dir
from safeguard.package.keys import fingerprint, signature_ok

__all__ = [
    "CHECKS",
    "BatchVerified",
    "Verified",
    "VerifyFailed",
    "is_batch",
    "package_schema",
    "verify",
    "verify_batch",
]

CHECKS = ("decrypt", "archive", "signature", "manifest", "schema")


@dataclass(frozen=True)
class Verified:
    reference: str
    checks: tuple[str, ...]
    signing_key: str
    document: dict[str, Any]


@cache
def package_schema() -> dict[str, Any]:
    text = resources.files("safeguard.data").joinpath("package.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(package_schema())


def _decrypt(path: Path, identity: str | None) -> bytes:
    if identity is None:
        raise VerifyFailed(path.name, "decrypt", "an age identity is needed (--identity KEY)")
    try:
        ident = pyrage.x25519.Identity.from_str(identity.strip())
    except Exception as exc:  # pyrage's IdentityError
        raise VerifyFailed(path.name, "decrypt", f"not an age identity ({exc})") from exc
    try:
        return pyrage.decrypt(path.read_bytes(), [ident])
    except Exception as exc:  # pyrage's DecryptError: damaged, or not for this identity
        raise VerifyFailed(
            path.name, "decrypt", f"damaged or not encrypted to this identity ({exc})"
        ) from exc


def _unpack(name: str, data: bytes, into: Path) -> Path:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            tops = {Path(m.name).parts[0] for m in tar.getmembers()}
            if len(tops) != 1:
                raise VerifyFailed(name, "archive", f"expected one bag directory, found {tops}")
            tar.extractall(into, filter="data")
    except (tarfile.TarError, OSError) as exc:
        raise VerifyFailed(name, "archive", f"not a readable tar ({exc})") from exc
    return into / tops.pop()


def _signature(bag_dir: Path, public: Ed25519PublicKey) -> None:
    sig_path, tags = bag_dir / SIGNATURE_NAME, bag_dir / TAGMANIFEST
    for p in (sig_path, tags):
        if not p.is_file():
            raise VerifyFailed(p.name, "signature", "file missing")
    try:
        signature = base64.b64decode(sig_path.read_bytes().strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise VerifyFailed(SIGNATURE_NAME, "signature", "not base64") from exc
    if not signature_ok(public, signature, tags.read_bytes()):
        raise VerifyFailed(
            TAGMANIFEST,
            "signature",
            f"{SIGNATURE_NAME} is not a signature of it by agency key {fingerprint(public)}",
        )


def _manifest(bag_dir: Path) -> None:
    try:
        bagit.Bag(str(bag_dir)).validate()
    except bagit.BagValidationError as exc:
        # A changed tag file (e.g. manifest-sha256.txt) is the cause of any payload mismatch
        # it implies, so tag files are named first.
        details = sorted(
            getattr(exc, "details", None) or [],
            key=lambda d: str(getattr(d, "path", "")).startswith("data/"),
        )
        first = details[0] if details else None
        file = getattr(first, "path", None) or "bag"
        more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
        raise VerifyFailed(str(file), "manifest", f"{first or exc}{more}") from exc
    except bagit.BagError as exc:
        raise VerifyFailed("bagit.txt", "manifest", str(exc)) from exc


def _schema(bag_dir: Path) -> dict[str, Any]:
    name = "data/package.json"
    try:
        doc: dict[str, Any] = json.loads((bag_dir / name).read_bytes())
    except (OSError, ValueError) as exc:
        raise VerifyFailed(name, "schema", f"not JSON ({exc})") from exc
    error = jsonschema.exceptions.best_match(_validator().iter_errors(doc))
    if error is not None:
        where = "/".join(map(str, error.absolute_path)) or "(document)"
        raise VerifyFailed(name, "schema", f"at {where}: {error.message}")
    return doc


def _check_bag(bag_dir: Path, public: Ed25519PublicKey, done: list[str]) -> Verified:
    _signature(bag_dir, public)
    done.append("signature")
    _manifest(bag_dir)
    done.append("manifest")
    doc = _schema(bag_dir)
    done.append("schema")
    return Verified(doc["reference"], tuple(done), fingerprint(public), doc)


def verify(path: Path, public: Ed25519PublicKey, identity: str | None = None) -> Verified:
    """Run every check on ``path`` (module docstring); raise :class:`VerifyFailed` on the first."""
    if path.is_dir():
        return _check_bag(path, public, [])
    done: list[str] = []
    data = path.read_bytes()
    if path.name.endswith(".age"):
        data = _decrypt(path, identity)
        done.append("decrypt")
    with tempfile.TemporaryDirectory(prefix="safeguard-verify-", dir=scratch_dir()) as tmp:
        bag_dir = _unpack(path.name, data, Path(tmp))
        done.append("archive")
        return _check_bag(bag_dir, public, done)


@dataclass(frozen=True)
class BatchVerified:
    reference: str
    recipient: str
    signing_key: str
    packages: tuple[Verified, ...]


def _batch_manifest(folder: Path, public: Ed25519PublicKey) -> dict[str, Any]:
    from safeguard.package.batch import BATCH_SCHEMA, MANIFEST_NAME
    from safeguard.package.batch import SIGNATURE_NAME as BATCH_SIG

    body_path, sig_path = folder / MANIFEST_NAME, folder / BATCH_SIG
    for p in (body_path, sig_path):
        if not p.is_file():
            raise VerifyFailed(p.name, "batch-signature", "file missing")
    body = body_path.read_bytes()
    try:
        signature = base64.b64decode(sig_path.read_bytes().strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise VerifyFailed(BATCH_SIG, "batch-signature", "not base64") from exc
    if not signature_ok(public, signature, body):
        raise VerifyFailed(
            MANIFEST_NAME,
            "batch-signature",
            f"{BATCH_SIG} is not a signature of it by agency key {fingerprint(public)}",
        )
    manifest: dict[str, Any] = json.loads(body)
    if manifest.get("schema") != BATCH_SCHEMA:
        raise VerifyFailed(MANIFEST_NAME, "batch-manifest", f"not a {BATCH_SCHEMA} manifest")
    return manifest


def _batch_files(folder: Path, manifest: dict[str, Any]) -> None:
    from safeguard.package.batch import MANIFEST_NAME
    from safeguard.package.batch import SIGNATURE_NAME as BATCH_SIG
    from safeguard.package.files import sha256_hex

    listed = {e["file"]: e for e in manifest["packages"]}
    present = {p.name for p in folder.iterdir()} - {MANIFEST_NAME, BATCH_SIG}
    extra = sorted(present - set(listed))
    if extra:
        raise VerifyFailed(extra[0], "batch-manifest", f"not listed in {MANIFEST_NAME}")
    for name, entry in sorted(listed.items()):
        path = folder / name
        if not path.is_file():
            raise VerifyFailed(name, "batch-manifest", f"listed in {MANIFEST_NAME} but missing")
        if sha256_hex(path.read_bytes()) != entry["sha256"]:
            raise VerifyFailed(name, "batch-manifest", f"sha256 differs from {MANIFEST_NAME}")


def is_batch(path: Path) -> bool:
    from safeguard.package.batch import MANIFEST_NAME

    return path.is_dir() and (path / MANIFEST_NAME).is_file()


def _verify_one(path: str, public_raw: bytes, identity: str | None) -> Verified | tuple[str, ...]:
    """:func:`verify` as a pool worker runs it: a failure comes back as (file, check, reason)
    (the exception itself does not survive pickling)."""
    try:
        return verify(Path(path), Ed25519PublicKey.from_public_bytes(public_raw), identity)
    except VerifyFailed as exc:
        return (exc.file, exc.check, exc.reason)


def _verify_all(
    paths: list[str], public: Ed25519PublicKey, identity: str | None
) -> Iterator[Verified | tuple[str, ...]]:
    """Each package verified, in order; on every core (processes) when there are many."""
    import itertools
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    from cryptography.hazmat.primitives import serialization

    from safeguard.package.bag import PARALLEL_FROM

    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    cores = min(os.cpu_count() or 1, 8)
    if len(paths) < PARALLEL_FROM or cores == 1:
        yield from (_verify_one(p, raw, identity) for p in paths)
        return
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=cores, mp_context=context) as pool:
        yield from pool.map(
            _verify_one, paths, itertools.repeat(raw), itertools.repeat(identity), chunksize=4
        )


def verify_batch(folder: Path, public: Ed25519PublicKey, identity: str | None) -> BatchVerified:
    """A batch directory: the manifest's signature, every file's digest (none missing or
    extra), then every package in full (on every core when there are many); the first
    failure, in the manifest's order, names the file and the check."""
    manifest = _batch_manifest(folder, public)
    _batch_files(folder, manifest)
    done: list[Verified] = []
    entries = manifest["packages"]
    paths = [str(folder / e["file"]) for e in entries]
    for entry, result in zip(entries, _verify_all(paths, public, identity), strict=True):
        if isinstance(result, tuple):
            file, check, reason = result
            name = file if file == entry["file"] else f"{entry['file']}:{file}"
            raise VerifyFailed(name, check, reason)
        if (result.reference, result.document["version"]) != (
            entry["reference"],
            entry["version"],
        ):
            raise VerifyFailed(
                entry["file"],
                "batch-manifest",
                f"holds {result.reference}, not {entry['reference']}",
            )
        done.append(result)
    return BatchVerified(
        manifest["batch"], manifest["recipient"]["id"], fingerprint(public), tuple(done)
    )
