"""Looking hashes and files up in the hash sets: what ``safeguard match`` and the industry
matching API (``POST /api/v1/match``) both answer, one dict per matched entry."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from safeguard.errors import FormatError, ImageDecodeError
from safeguard.hashing import hash_file, pdq_dihedral_of_image, pdq_of_image
from safeguard.match.engine import METHODS, SEVERITY, MatchEngine

__all__ = ["HashQuery", "bytes_queries", "file_queries", "hex_queries", "lookup"]

_KINDS_BY_LENGTH = {32: ("md5",), 40: ("sha1",), 64: ("sha256", "pdq"), 128: ("sha512",)}


@dataclass(frozen=True)
class HashQuery:
    """One hash to look up: ``kind`` is md5, sha1, sha256, sha512 or pdq."""

    kind: str
    hex: str
    quality: int | None = None


def hex_queries(value: str, kind: str | None = None) -> list[HashQuery]:
    """Queries for a hex hash; a 64-digit one is tried as sha256 and pdq unless ``kind``."""
    text = value.strip().lower()
    try:
        bytes.fromhex(text)
    except ValueError:
        text = ""
    kinds = _KINDS_BY_LENGTH.get(len(text), ())
    if kind is not None:
        kinds = (kind,) if kind in kinds else ()
    if not kinds:
        want = f"a {kind} hash" if kind else "an md5/sha1/sha256/sha512/pdq hex hash"
        raise FormatError(f"{value!r} is not {want}")
    return [HashQuery(k, text) for k in kinds]


def _pdq_queries(image: Path | BinaryIO, dihedral: bool) -> tuple[list[HashQuery], str]:
    try:
        pdqs = pdq_dihedral_of_image(image) if dihedral else [pdq_of_image(image)]
    except ImageDecodeError as exc:
        return [], f"no PDQ: {exc.reason}"
    return [HashQuery("pdq", p.hex, p.quality) for p in pdqs], ""


def file_queries(path: Path, dihedral: bool = False) -> tuple[list[HashQuery], str]:
    """Exact queries for a file, plus PDQ if it is an image (else a note why not)."""
    h = hash_file(path)
    exact = [HashQuery("md5", h.md5), HashQuery("sha1", h.sha1), HashQuery("sha256", h.sha256)]
    pdq, note = _pdq_queries(path, dihedral)
    return exact + pdq, note


def bytes_queries(data: bytes, dihedral: bool = False) -> tuple[list[HashQuery], str]:
    """:func:`file_queries` for content held in memory (never written anywhere)."""
    exact = [
        HashQuery(name, hashlib.new(name, data).hexdigest())
        for name in ("md5", "sha1", "sha256", "sha512")
    ]
    pdq, note = _pdq_queries(io.BytesIO(data), dihedral)
    return exact + pdq, note


def _matches(engine: MatchEngine, q: HashQuery, max_distance: int, min_quality: int) -> Any:
    if q.kind != "pdq":
        return engine.match_exact(q.kind, [q.hex])
    quality = [q.quality] if q.quality is not None else None
    return engine.match_pdq(
        [q.hex],
        max_distance=max_distance,
        qualities=quality,
        min_quality=min_quality if quality else 0,
    )


def lookup(
    engine: MatchEngine,
    label: str,
    queries: list[HashQuery],
    max_distance: int,
    min_quality: int,
) -> list[dict[str, Any]]:
    """Each entry matched by any query once, by its best method then distance."""
    best: dict[int, dict[str, Any]] = {}
    for q in queries:
        m = _matches(engine, q, max_distance, min_quality)
        for row, method, dist in zip(
            m.entry_row.tolist(), m.method.tolist(), m.distance.tolist(), strict=True
        ):
            prev = best.get(row)
            if prev is None or (method, dist) < (prev["_rank"], prev["distance"]):
                s = engine.sets[int(engine.set_index[row])]
                best[row] = {
                    "input": label,
                    "set": s.name,
                    "version": s.version,
                    "category": SEVERITY[int(engine.categories[row])].value,
                    "method": METHODS[method].value,
                    "distance": dist,
                    "entry_id": int(engine.entry_ids[row]),
                    "_rank": method,
                }
    rows = sorted(best.values(), key=lambda r: (r["_rank"], r["distance"], r["entry_id"]))
    return [{k: v for k, v in r.items() if k != "_rank"} for r in rows]
