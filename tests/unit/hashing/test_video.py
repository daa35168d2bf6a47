"""vPDQ of generated videos: a re-encoding matches, another video does not, bad input is
refused with a reason; the ThreatExchange signal string round-trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safeguard.errors import HashSetError, VideoDecodeError
from safeguard.hashing.video import vpdq_of_video
from safeguard.hashing.vpdq import VpdqFrame, compare_vpdq, parse_vpdq, vpdq_text
from tests.support.devices import write_video
from tests.unit.hashing.conftest import hamming


def test_frames_are_sampled_once_a_second(tmp_path: Path) -> None:
    write_video(tmp_path / "v.mp4", 1, seconds=4)
    frames = vpdq_of_video(tmp_path / "v.mp4")
    assert [f.timestamp for f in frames] == [0.0, 1.0, 2.0, 3.0]
    assert all(len(f.pdq) == 64 and f.quality >= 50 for f in frames)


def test_a_reencoded_video_matches_and_another_does_not(tmp_path: Path) -> None:
    write_video(tmp_path / "a.mp4", 1)
    write_video(tmp_path / "a-small.mp4", 1, size=(256, 192), bit_rate=120_000)
    write_video(tmp_path / "b.mp4", 2)
    a, a2, b = (vpdq_of_video(tmp_path / n) for n in ("a.mp4", "a-small.mp4", "b.mp4"))
    # Independent check of the frame distances, by integer popcount.
    assert max(hamming(x.pdq, y.pdq) for x, y in zip(a, a2, strict=True)) <= 31
    same = compare_vpdq(a, a2, max_distance=31, min_quality=50)
    other = compare_vpdq(a, b, max_distance=31, min_quality=50)
    assert same is not None and same.query_percent == 100.0 and same.compared_percent == 100.0
    assert other is not None and other.query_percent == 0.0


def test_low_quality_and_duplicate_frames_are_ignored() -> None:
    good = VpdqFrame("f" * 64, 90, 0.0)
    poor = VpdqFrame("0" * 64, 10, 1.0)
    got = compare_vpdq([good, good, poor], [good], max_distance=31, min_quality=50)
    assert got is not None and got.query_percent == 100.0
    assert compare_vpdq([poor], [good], max_distance=31, min_quality=50) is None


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "corrupt or truncated"), (b"\x00\x00\x00\x18ftypmp42" + b"\x01" * 500, "corrupt")],
)
def test_bad_video_files_raise_with_a_reason(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.mp4"
    path.write_bytes(content)
    with pytest.raises(VideoDecodeError, match=reason):
        vpdq_of_video(path)


def test_truncated_video_raises(tmp_path: Path) -> None:
    write_video(tmp_path / "v.mp4", 1)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes((tmp_path / "v.mp4").read_bytes()[:1500])
    with pytest.raises(VideoDecodeError):
        vpdq_of_video(cut)


def test_signal_string_is_threatexchanges_and_round_trips() -> None:
    frames = [VpdqFrame("ab" * 32, 100, 0.0), VpdqFrame("cd" * 32, 75, 1.5)]
    text = vpdq_text(frames)
    assert json.loads(text) == [f"{'ab' * 32},100,0.000", f"{'cd' * 32},75,1.500"]
    assert parse_vpdq(text, "here") == frames


@pytest.mark.parametrize("text", ["[]", "not json", '["abc,1,0"]', f'["{"a" * 64},101,0"]'])
def test_malformed_signal_strings_are_refused(text: str) -> None:
    with pytest.raises(HashSetError, match="here"):
        parse_vpdq(text, "here")
