"""Looking hashes and files up in the hash sets: what ``safeguard match`` and the industry
matching API (``POST /api/v1/match``) both answer, one dict per matched entry."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from safeguard.errors import FormatError, ImageDecodeError
from safeguard.hashing import hash_file, pdq_dihedral_of_image, pdq_of_image
from safeguard.match.engine import METHODS, SEVERITY, MatchEngine

__all__ = ["HashQuery", "bytes_queries", "file_queries", "hex_queries", "lookup", "lookup_many"]

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


def _pdq_queries(image: Path | IO[bytes], dihedral: bool) -> tuple[list[HashQuery], str]:
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


def lookup(
    engine: MatchEngine,
    label: str,
    queries: list[HashQuery],
    max_distance: int,
    min_quality: int,
) -> list[dict[str, Any]]:
    """Each entry matched by any query once, by its best method then distance."""
    return lookup_many(engine, [(label, queries)], max_distance, min_quality)[0]


def _batched_matches(
    engine: MatchEngine, flat: list[HashQuery], max_distance: int, min_quality: int
) -> list[tuple[int, int, int, int]]:
    """(query index, entry row, method, distance) for every match of ``flat``: one engine
    call per hash kind and one per PDQ quality regime, not one per hash."""
    out: list[tuple[int, int, int, int]] = []
    groups: dict[tuple[str, bool], list[int]] = {}
    for i, q in enumerate(flat):
        groups.setdefault((q.kind, q.kind == "pdq" and q.quality is not None), []).append(i)
    for (kind, rated), idx in groups.items():
        hexes = [flat[i].hex for i in idx]
        if kind != "pdq":
            m = engine.match_exact(kind, hexes)
        else:
            quality = [flat[i].quality for i in idx] if rated else None
            floor = min_quality if rated else 0
            m = engine.match_pdq(hexes, max_distance=max_distance, qualities=quality,
                                 min_quality=floor)  # fmt: skip
        rows = zip(m.query_row.tolist(), m.entry_row.tolist(), m.method.tolist(),
                   m.distance.tolist(), strict=True)  # fmt: skip
        out += [(idx[q], e, meth, d) for q, e, meth, d in rows]
    return out


def lookup_many(
    engine: MatchEngine,
    items: list[tuple[str, list[HashQuery]]],
    max_distance: int,
    min_quality: int,
) -> list[list[dict[str, Any]]]:
    """:func:`lookup` for many (label, queries) items at once (what a batch request asks)."""
    flat = [q for _, queries in items for q in queries]
    owner = [n for n, (_, queries) in enumerate(items) for _ in queries]
    best: list[dict[int, dict[str, Any]]] = [{} for _ in items]
    for qi, row, method, dist in _batched_matches(engine, flat, max_distance, min_quality):
        n = owner[qi]
        prev = best[n].get(row)
        if prev is None or (method, dist) < (prev["_rank"], prev["distance"]):
            s = engine.sets[int(engine.set_index[row])]
            best[n][row] = {
                "input": items[n][0],
                "set": s.name,
                "version": s.version,
                "category": SEVERITY[int(engine.categories[row])].value,
                "method": METHODS[method].value,
                "distance": dist,
                "entry_id": int(engine.entry_ids[row]),
                "_rank": method,
            }
    return [
        [
            {k: v for k, v in r.items() if k != "_rank"}
            for r in sorted(b.values(), key=lambda r: (r["_rank"], r["distance"], r["entry_id"]))
        ]
        for b in best
    ]
