"""Matching scanned files against the hash sets: exact and PDQ through the match engine,
videos by vPDQ against the sets' video entries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from safeguard.hashing.vpdq import QUERY_MATCH_PERCENT, VpdqFrame, compare_vpdq, parse_vpdq
from safeguard.match import METHODS, SEVERITY, MatchEngine, load_engine
from safeguard.match.engine import category_code
from safeguard.scan.items import FileResult
from safeguard.store.db import Store
from safeguard.store.models import HashEntry

__all__ = ["FoundMatch", "ScanMatcher", "best_category"]


@dataclass(frozen=True, slots=True)
class FoundMatch:
    entry_id: int
    set_name: str
    set_version: int
    method: str
    distance: int
    match_percent: float | None
    category: str


@dataclass(frozen=True, slots=True)
class _VideoEntry:
    entry_id: int
    set_row: int
    category: str
    frames: list[VpdqFrame]


def best_category(matches: Sequence[FoundMatch]) -> str | None:
    """The most severe category among ``matches`` (A > B > C > uncategorised > non-pertinent)."""
    if not matches:
        return None
    return min((m.category for m in matches), key=category_code)


class ScanMatcher:
    """The chosen hash sets, loaded once per scan."""

    def __init__(
        self,
        engine: MatchEngine,
        videos: list[_VideoEntry],
        *,
        max_distance: int,
        min_quality: int,
    ) -> None:
        self.engine = engine
        self.videos = videos
        self.max_distance = max_distance
        self.min_quality = min_quality

    @classmethod
    def load(
        cls, store: Store, names: Sequence[str] | None, *, max_distance: int, min_quality: int
    ) -> ScanMatcher:
        engine = load_engine(store, names)
        row_of = {s.id: i for i, s in enumerate(engine.sets)}
        query = select(
            HashEntry.id, HashEntry.hash_set_id, HashEntry.category, HashEntry.vpdq
        ).where(
            HashEntry.vpdq.is_not(None),
            HashEntry.retired_version.is_(None),
            HashEntry.hash_set_id.in_(list(row_of)),
        )
        with store.engine.connect() as conn:
            videos = [
                _VideoEntry(int(i), row_of[int(s)], str(c), parse_vpdq(str(v), f"hash entry {i}"))
                for i, s, c, v in conn.execute(query.order_by(HashEntry.id))
            ]
        return cls(engine, videos, max_distance=max_distance, min_quality=min_quality)

    def set_versions(self) -> dict[str, int]:
        return {s.name: s.version for s in self.engine.sets}

    def _found(self, row: int, method: str, distance: int, percent: float | None) -> FoundMatch:
        ref = self.engine.sets[int(self.engine.set_index[row])]
        return FoundMatch(
            entry_id=int(self.engine.entry_ids[row]),
            set_name=ref.name,
            set_version=ref.version,
            method=method,
            distance=distance,
            match_percent=percent,
            category=SEVERITY[int(self.engine.categories[row])].value,
        )

    def _video(self, frames: list[VpdqFrame]) -> list[FoundMatch]:
        found = []
        for video in self.videos:
            got = compare_vpdq(
                frames, video.frames, max_distance=self.max_distance, min_quality=self.min_quality
            )
            if got is None or got.query_percent < QUERY_MATCH_PERCENT:
                continue
            ref = self.engine.sets[video.set_row]
            found.append(
                FoundMatch(
                    video.entry_id,
                    ref.name,
                    ref.version,
                    "vpdq",
                    got.distance,
                    got.query_percent,
                    video.category,
                )
            )
        return found

    def match(self, results: Sequence[FileResult]) -> list[list[FoundMatch]]:
        """The matches of each result (sorted by method preference, distance, entry)."""
        out: list[list[FoundMatch]] = [[] for _ in results]
        hashes = {k: [getattr(r, k) for r in results] for k in ("md5", "sha1", "sha256", "pdq")}
        found = self.engine.match_hashes(
            hashes,
            max_distance=self.max_distance,
            pdq_qualities=[r.pdq_quality for r in results],
            min_quality=self.min_quality,
        )
        for q, e, m, d in zip(
            found.query_row.tolist(),
            found.entry_row.tolist(),
            found.method.tolist(),
            found.distance.tolist(),
            strict=True,
        ):
            out[q].append(self._found(e, METHODS[m].value, d, None))
        for i, r in enumerate(results):
            if r.vpdq and self.videos:
                out[i] += self._video(parse_vpdq(r.vpdq, r.path))
        return out
