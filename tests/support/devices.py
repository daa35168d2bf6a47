"""Generated device contents for scan tests: public sample photographs (scikit-image's
bundled ``skimage.data``) saved as JPEG, generated videos, documents, archives, broken
files, and the synthetic hash sets that know some of them. Nothing is committed: every
file is made at test time."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np
from PIL import Image
from skimage import data as skdata

from safeguard.hashing.pdq import pdq_of_image
from safeguard.hashing.video import vpdq_of_video
from safeguard.hashing.vpdq import vpdq_text

__all__ = ["Device", "jpeg_bytes", "make_device", "photo", "write_video"]

_PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "camera", "moon", "page", "brick")


def photo(name: str, size: tuple[int, int] = (480, 360)) -> Image.Image:
    """A public sample photograph from scikit-image at ``size``."""
    pixels = getattr(skdata, name)()
    image = Image.fromarray(pixels).convert("RGB")
    return image.resize(size, Image.Resampling.LANCZOS)


def jpeg_bytes(image: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def write_video(
    path: Path,
    seed: int,
    *,
    seconds: int = 4,
    size: tuple[int, int] = (192, 144),
    bit_rate: int = 400_000,
) -> None:
    """A short generated MPEG-4 video: moving coloured gradients, different per seed."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, (18, 24, 3)).astype(np.uint8)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        stream.bit_rate = bit_rate
        for i in range(seconds * 10):
            cells = Image.fromarray(np.roll(base, shift=i // 10, axis=1))
            frame = np.asarray(cells.resize(size, Image.Resampling.BILINEAR))
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


@dataclass
class Device:
    """A generated device tree and what the tests know about it."""

    root: Path
    hashsets: list[Path] = field(default_factory=list)
    #: path -> expected bucket (A, B, C, non-pertinent, unknown_images, unknown_videos)
    expected: dict[str, str] = field(default_factory=dict)
    #: path -> a word the file's reason must contain
    problems: dict[str, str] = field(default_factory=dict)


def _sha(data: bytes, kind: str = "sha256") -> str:
    return hashlib.new(kind, data).hexdigest()


def _photos(dev: Device, rows: list[tuple[str, str, str, str]]) -> None:
    root = dev.root
    (root / "DCIM").mkdir(parents=True)
    known_a = jpeg_bytes(photo("astronaut"))
    (root / "DCIM" / "IMG_0001.JPG").write_bytes(known_a)
    rows.append((_sha(known_a), "", "A", "exact sha256"))
    dev.expected["DCIM/IMG_0001.JPG"] = "A"
    # Known by PDQ only: the set holds the hash of a different encoding of the photo.
    near = dev.root.parent / "coffee-original.jpg"
    near.write_bytes(jpeg_bytes(photo("coffee", (960, 720)), 95))
    rows.append(("", pdq_of_image(near).hex, "B", "pdq"))
    (root / "DCIM" / "IMG_0002.JPG").write_bytes(jpeg_bytes(photo("coffee"), 70))
    dev.expected["DCIM/IMG_0002.JPG"] = "B"
    # Unknown photos, one with a misleading extension (recognised by content).
    (root / "DCIM" / "IMG_0003.JPG").write_bytes(jpeg_bytes(photo("chelsea")))
    dev.expected["DCIM/IMG_0003.JPG"] = "unknown_images"
    (root / "notes.txt").write_bytes(jpeg_bytes(photo("rocket")))
    dev.expected["notes.txt"] = "unknown_images"


def _documents(dev: Device, rows: list[tuple[str, str, str, str]]) -> None:
    docs = dev.root / "Documents"
    docs.mkdir()
    letter = b"%PDF-1.4\n% a synthetic letter\n" + b"0" * 2000
    (docs / "letter.pdf").write_bytes(letter)
    rows.append((_sha(letter), "", "non-pertinent", "known-good"))
    dev.expected["Documents/letter.pdf"] = "non-pertinent"
    (docs / "plan.txt").write_text("meeting at nine\n")
    name = os.fsencode(docs) + b"/caf\xe9.txt"  # Latin-1 bytes: not valid UTF-8
    with open(name, "wb") as fh:
        fh.write(b"not utf-8 name")
    dev.problems["Documents/caf\\xe9.txt"] = "not valid UTF-8"


def _archives(dev: Device, rows: list[tuple[str, str, str, str]]) -> None:
    arch = dev.root / "Downloads"
    arch.mkdir()
    known_c = jpeg_bytes(photo("camera"))
    rows.append((_sha(known_c), "", "C", "in an archive"))
    with zipfile.ZipFile(arch / "holiday.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("pics/p1.jpg", known_c)
        zf.writestr("readme.txt", "hello")
    dev.expected["Downloads/holiday.zip!/pics/p1.jpg"] = "C"
    with tarfile.open(arch / "backup.tar.gz", "w:gz") as tf:
        payload = jpeg_bytes(photo("moon"))
        info = tarfile.TarInfo("old/moon.jpg")
        info.size = len(payload)
        tf.addfile(info, io.BytesIO(payload))
    dev.expected["Downloads/backup.tar.gz!/old/moon.jpg"] = "unknown_images"
    with zipfile.ZipFile(arch / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.bin", b"\0" * (40 << 20))
    dev.problems["Downloads/bomb.zip"] = "decompression bomb"


def _videos(dev: Device, te_rows: list[str]) -> None:
    vids = dev.root / "Movies"
    vids.mkdir()
    write_video(vids / "clip1.mp4", 1)
    dev.expected["Movies/clip1.mp4"] = "A"  # known by vPDQ of another encoding
    other = dev.root.parent / "clip1-other-encoding.mp4"
    write_video(other, 1, size=(256, 192), bit_rate=150_000)
    te_rows.append(f'vpdq,"{vpdq_text(vpdq_of_video(other)).replace(chr(34), chr(34) * 2)}",c,A,')
    write_video(vids / "clip2.mov", 2)
    md5 = hashlib.md5((vids / "clip2.mov").read_bytes()).hexdigest()
    te_rows.append(f"video_md5,{md5},c,C,")
    dev.expected["Movies/clip2.mov"] = "C"
    write_video(vids / "clip3.mp4", 3)
    dev.expected["Movies/clip3.mp4"] = "unknown_videos"


def _broken(dev: Device) -> None:
    bad = dev.root / "broken"
    bad.mkdir()
    whole = jpeg_bytes(photo("page"))
    (bad / "truncated.jpg").write_bytes(whole[: len(whole) // 3])
    dev.problems["broken/truncated.jpg"] = "no PDQ"
    dev.expected["broken/truncated.jpg"] = "unknown_images"
    video = (dev.root / "Movies" / "clip3.mp4").read_bytes()
    (bad / "cut.mp4").write_bytes(video[:2000])
    dev.problems["broken/cut.mp4"] = "no vPDQ"
    dev.expected["broken/cut.mp4"] = "unknown_videos"
    big = Image.new("1", (12000, 9000))  # 108 MP: over Pillow's bomb limit
    big.save(bad / "huge.png")
    dev.problems["broken/huge.png"] = "decompression bomb"
    dev.expected["broken/huge.png"] = "unknown_images"
    with open(bad / "sparse.img", "wb") as fh:
        fh.truncate(8 << 20)
        fh.write(b"start")
    dev.problems["broken/sparse.img"] = "sparse"
    os.symlink("..", bad / "up")
    dev.problems["broken/up"] = "symbolic link"
    os.mkfifo(bad / "pipe")
    dev.problems["broken/pipe"] = "FIFO"


def make_device(root: Path, *, broken: bool = True) -> Device:
    """A device tree under ``root/device`` and its hash sets under ``root``."""
    dev = Device(root / "device")
    dev.root.mkdir(parents=True)
    rows: list[tuple[str, str, str, str]] = []
    te_rows = ["signal_type,signal_str,collab,category,tags"]
    _photos(dev, rows)
    _documents(dev, rows)
    _archives(dev, rows)
    _videos(dev, te_rows)
    if broken:
        _broken(dev)
    lines = ["sha256,pdq,category,note", *(",".join(r) for r in rows)]
    (root / "known.csv").write_text("\n".join(lines) + "\n")
    (root / "te.csv").write_text("\n".join(te_rows) + "\n")
    dev.hashsets = [root / "known.csv", root / "te.csv"]
    return dev
