from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pdqhash
import pytest
from PIL import Image

from safeguard.errors import ImageDecodeError
from safeguard.hashing import DIHEDRAL_NAMES, PdqHash, pdq_dihedral_of_image, pdq_of_image
from tests.unit.hashing.conftest import hamming, scene

MATCH = 31


def _save(img: Image.Image | np.ndarray, path: Path, **kw: Any) -> Path:
    pic = Image.fromarray(img) if isinstance(img, np.ndarray) else img
    pic.save(path, **kw)
    return path


def _reference(pixels: np.ndarray) -> str:
    bits, _ = pdqhash.compute(pixels)
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def test_png_hash_is_the_reference_pdq_of_the_pixels(tmp_path: Path) -> None:
    pixels = scene(320, 240)
    got = pdq_of_image(_save(pixels, tmp_path / "a.png"))
    assert got.hex == _reference(pixels)
    assert len(got.hex) == 64 and got.hex == got.hex.lower()
    assert got.quality >= 50


def test_transformed_copies_match_and_other_pictures_do_not(tmp_path: Path) -> None:
    pixels = scene(640, 480, seed=1)
    base = pdq_of_image(_save(pixels, tmp_path / "orig.png")).hex
    pic = Image.fromarray(pixels)
    copies = {
        "resized": pic.resize((300, 225), Image.Resampling.BILINEAR),
        "jpeg70": Image.open(io.BytesIO(_jpeg_bytes(pic, 70))),
        "cropped": pic.crop((8, 6, 632, 474)),
    }
    for name, copy in copies.items():
        assert hamming(base, pdq_of_image(_save(copy, tmp_path / f"{name}.png")).hex) <= MATCH
    other = pdq_of_image(_save(scene(640, 480, seed=2), tmp_path / "other.png")).hex
    assert hamming(base, other) > MATCH


def _jpeg_bytes(pic: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    pic.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def test_rotated_copy_is_found_only_through_dihedral_variants(tmp_path: Path) -> None:
    pixels = scene(400, 300, seed=3)
    variants = pdq_dihedral_of_image(_save(pixels, tmp_path / "o.png"))
    assert len(variants) == 8 and variants[0] == pdq_of_image(tmp_path / "o.png")
    for k, turned in enumerate([np.rot90(pixels, 1), np.fliplr(pixels)]):
        rotated = pdq_of_image(_save(np.ascontiguousarray(turned), tmp_path / f"r{k}.png")).hex
        assert hamming(variants[0].hex, rotated) > MATCH
        assert min(hamming(v.hex, rotated) for v in variants) <= MATCH


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    pixels = scene(400, 300, seed=4)
    upright = pdq_of_image(_save(pixels, tmp_path / "up.jpg", quality=95)).hex
    stored = Image.fromarray(np.ascontiguousarray(np.rot90(pixels, -1)))  # camera held sideways
    exif = Image.Exif()
    exif[0x0112] = 8  # viewer must rotate 90 degrees counter-clockwise... back to upright
    _save(stored, tmp_path / "side.jpg", quality=95, exif=exif.tobytes())
    assert hamming(upright, pdq_of_image(tmp_path / "side.jpg").hex) <= 10


def test_large_jpeg_fast_path_stays_close_to_full_decode(tmp_path: Path) -> None:
    pixels = scene(3000, 2000, seed=5)
    path = _save(pixels, tmp_path / "big.jpg", quality=90)
    fast = pdq_of_image(path)
    full = pdq_of_image(path, draft_min_side=None, resize_side=None)
    assert hamming(fast.hex, full.hex) <= 10
    assert hamming(full.hex, _reference(np.asarray(Image.open(path)))) == 0


def test_large_non_jpeg_is_resized_close_to_the_full_size_hash(tmp_path: Path) -> None:
    pixels = scene(2400, 700, seed=12)  # long and narrow: each side is resized on its own
    path = _save(pixels, tmp_path / "wide.png")
    assert hamming(pdq_of_image(path).hex, _reference(pixels)) <= 10
    exact = pdq_of_image(path, draft_min_side=None, resize_side=None)
    assert exact.hex == _reference(pixels)


def test_rotated_large_photo_is_found_through_dihedral_variants(tmp_path: Path) -> None:
    pixels = scene(1800, 1200, seed=13)
    variants = pdq_dihedral_of_image(_save(pixels, tmp_path / "big.jpg", quality=90))
    assert variants[0] == pdq_of_image(tmp_path / "big.jpg")
    turned = _save(np.ascontiguousarray(np.rot90(pixels, 1)), tmp_path / "turned.jpg", quality=90)
    rotated = pdq_of_image(turned).hex
    assert hamming(variants[0].hex, rotated) > MATCH
    assert hamming(variants[DIHEDRAL_NAMES.index("rotate90")].hex, rotated) <= 10


def test_animated_gif_hashes_its_first_frame(tmp_path: Path) -> None:
    frames = [Image.fromarray(scene(200, 150, seed=s)) for s in (6, 7)]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=100)
    first = pdq_of_image(_save(frames[0].quantize(256).convert("RGB"), tmp_path / "f0.png")).hex
    second = pdq_of_image(_save(frames[1].quantize(256).convert("RGB"), tmp_path / "f1.png")).hex
    got = pdq_of_image(tmp_path / "anim.gif").hex
    assert hamming(got, first) <= 10 < hamming(got, second)


def test_heic_is_decoded(tmp_path: Path) -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    pixels = scene(320, 240, seed=8)
    try:
        pillow_heif.from_pillow(Image.fromarray(pixels)).save(tmp_path / "a.heic", quality=90)
    except Exception as exc:  # encoder not built into this wheel
        pytest.skip(f"no HEIC encoder: {exc}")
    assert hamming(pdq_of_image(tmp_path / "a.heic").hex, _reference(pixels)) <= 10


def test_flat_image_has_low_quality(tmp_path: Path) -> None:
    flat = np.full((200, 200, 3), 128, dtype=np.uint8)
    assert pdq_of_image(_save(flat, tmp_path / "flat.png")).quality < 50


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "not a recognised image format"),
        (b"hello, this is plain text\n" * 10, "not a recognised image format"),
        (_png_header_only(30000, 30000), "decompression bomb"),
        (_png_header_only(12000, 8000), "decompression bomb"),
        (_png_header_only(64, 64), "corrupt or truncated"),
    ],
)
def test_undecodable_files_raise_with_a_reason(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.img"
    path.write_bytes(content)
    with pytest.raises(ImageDecodeError) as info:
        pdq_of_image(path)
    assert reason in info.value.reason and info.value.path == str(path)


def test_truncated_jpeg_raises_not_crashes(tmp_path: Path) -> None:
    data = _jpeg_bytes(Image.fromarray(scene(400, 300, seed=9)), 90)
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageDecodeError, match="truncated"):
        pdq_of_image(path)
    with pytest.raises(ImageDecodeError, match="file not found"):
        pdq_dihedral_of_image(tmp_path / "absent.jpg")
    with pytest.raises(ImageDecodeError, match="cannot read file"):
        pdq_of_image(tmp_path)


def test_hex_and_quality_are_threatexchanges_for_the_same_file(tmp_path: Path) -> None:
    """The string a partner or Hasher-Matcher-Actioner would compute for the same image."""
    from threatexchange.signal_type.pdq.pdq_hasher import pdq_from_file

    for seed in (3, 4):
        path = _save(scene(320, 240, seed=seed), tmp_path / f"s{seed}.png")
        theirs_hex, theirs_quality = pdq_from_file(path)
        assert pdq_of_image(path) == PdqHash(theirs_hex, int(theirs_quality))
