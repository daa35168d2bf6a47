"""File identity over any exact hash columns (sha512 included), independent of the store."""

from __future__ import annotations

import numpy as np

from safeguard.match.engine import METHODS, Matches
from safeguard.match.events import Variants
from safeguard.match.files import file_of_variants
from safeguard.records import MatchMethod


def _variants(rows: list[dict[str, str]], kinds: tuple[str, ...]) -> Variants:
    hashes = {k: [r.get(k) for r in rows] for k in kinds}
    return Variants(hashes, np.ones(len(rows), dtype=np.bool_))


def test_hashes_seen_together_make_one_file_transitively() -> None:
    kinds = ("md5", "sha1", "sha256", "sha512", "pdq")
    rows = [
        {"md5": "m1", "sha256": "s1"},  # 0: file 0
        {"md5": "m1"},  # 1: file 0 (md5)
        {"sha256": "s1", "sha512": "x1"},  # 2: file 0 (sha256)
        {"sha512": "x1", "sha1": "h1"},  # 3: file 0 (sha512)
        {"sha1": "h2"},  # 4: file 1
        {"pdq": "p1"},  # 5: file 2 (pdq only)
        {"pdq": "p1"},  # 6: file 2
        {"md5": "m9", "pdq": "p1"},  # 7: file 3 (a PDQ hash is no identity)
        {},  # 8: no file
    ]
    file, keys = file_of_variants(_variants(rows, kinds), Matches.empty())
    assert file.tolist() == [0, 0, 0, 0, 1, 2, 2, 3, -1]
    assert keys == ["x1", "h2", "p1", "m9"]  # sha512 preferred, then sha256, sha1, md5, pdq


def test_an_entry_matched_exactly_joins_its_hashes_but_a_pdq_match_does_not() -> None:
    rows = [{"md5": "m1"}, {"sha256": "s1"}, {"sha1": "h1"}, {"pdq": "p1"}]
    variants = _variants(rows, ("md5", "sha1", "sha256", "pdq"))
    code = {m: i for i, m in enumerate(METHODS)}
    matches = Matches(
        query_row=np.array([0, 1, 2, 3]),
        entry_row=np.array([7, 7, 8, 8]),  # entry 7 holds m1 and s1; entry 8 h1, near p1
        method=np.array(
            [
                code[MatchMethod.MD5],
                code[MatchMethod.SHA256],
                code[MatchMethod.SHA1],
                code[MatchMethod.PDQ],
            ]
        ),
        distance=np.zeros(4, dtype=np.int32),
    )
    file, _ = file_of_variants(variants, matches)
    assert file.tolist() == [0, 0, 1, 2]
