"""The generated phone-and-laptop tree ``bench/scan.py`` scans (cached under ``bench/out``).

Everything is made here from public sample photographs (scikit-image's bundled
``skimage.data``) and random or generated text; nothing is fetched. The layout follows a
phone extraction with a laptop's documents folder:

- ``DCIM/Camera``: camera JPEGs at phone sizes, 12 MP (4032x3024, quality 90) and 3 MP
  (2016x1512), with EXIF; sensor-like noise is added before encoding so their sizes are
  those of real phone photos (about 3.5 MB at 12 MP) rather than of smooth up-scaled ones;
- ``Pictures/WhatsApp``: received JPEGs (1600x1200, quality 75, about 0.3 MB);
- ``Pictures/Screenshots``: PNG screenshots at 1170x2532;
- ``Movies``: a few short generated MPEG-4 videos (1920x1080, 25 fps, 10 s, 16 Mbit/s);
- ``Documents``: PDFs made by ReportLab (text reports, and scans with a JPEG a page),
  Word ``.docx`` files (OOXML zip containers with an embedded picture, which libmagic
  names as Word documents, not zip archives), CSV and text files;
- ``Android/data``: many small app files (random bytes, 1-64 KB);
- ``Download``: large opaque files (random bytes, log-uniform 1-60 MB: app packages,
  backups, databases);
- ``Archives``: chat exports (zip of a chat text and received pictures), photo backups
  (uncompressed tar of camera JPEGs), zipped documents and gzipped tar logs.

Copies of one picture carry a few unique bytes after the image's end marker (as re-saved
or edited files do), so every file has its own exact hashes; their pixels, and so their
PDQ, repeat.
"""

from __future__ import annotations

import csv
import io
import json
import tarfile
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

#: Bump when the tree's composition changes: a cached tree of another version is rebuilt.
VERSION = 2
PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field", "camera")
CAMERA = {"12MP": ((4032, 3024), 90), "3MP": ((2016, 1512), 90)}
RECEIVED = ((1600, 1200), 75)
SCREEN = (1170, 2532)
SCAN_PAGE = (1240, 1754)  # A4 at 150 dpi


@dataclass(frozen=True)
class Scale:
    photos_12mp: int
    photos_3mp: int
    received: int
    screenshots: int
    videos: int
    reports: int
    scans: int
    docx: int
    tables: int
    app_files: int
    downloads: int
    chats: int
    backups: int
    backup_photos: int


SCALES = {
    "small": Scale(8, 16, 40, 4, 1, 10, 2, 6, 6, 120, 3, 2, 1, 6),
    "full": Scale(620, 360, 900, 120, 6, 150, 40, 120, 100, 2500, 100, 24, 4, 30),
}


def _noisy_jpeg(pixels: np.ndarray, rng: np.random.Generator, quality: int) -> bytes:
    grain = rng.normal(0.0, 9.0, pixels.shape).astype(np.float32)
    noisy = np.clip(pixels.astype(np.float32) + grain, 0, 255).astype(np.uint8)
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Safeguard bench", "generated"  # Make, Model
    exif[0x0132], exif[0x0112] = "2024:05:01 12:00:00", 1  # DateTime, Orientation
    buf = io.BytesIO()
    Image.fromarray(noisy).save(buf, "JPEG", quality=quality, exif=exif)
    return buf.getvalue()


def _photo(name: str) -> Image.Image:
    from skimage import data

    return Image.fromarray(getattr(data, name)()).convert("RGB")


def _resized(im: Image.Image, size: tuple[int, int]) -> np.ndarray:
    return np.asarray(im.resize(size, Image.Resampling.BICUBIC))


@dataclass
class _Bases:
    """The encoded pictures the tree's files are copies of."""

    camera: dict[str, list[bytes]]
    received: list[bytes]
    screens: list[bytes]
    scan_pages: list[bytes]


def _bases(rng: np.random.Generator) -> _Bases:
    photos = [_photo(n) for n in PHOTOS]
    camera = {
        k: [_noisy_jpeg(_resized(p, size), rng, q) for p in photos]
        for k, (size, q) in CAMERA.items()
    }
    received = [_noisy_jpeg(_resized(p, RECEIVED[0]), rng, RECEIVED[1]) for p in photos]
    screens = []
    for name in ("page", "text", "coffee"):
        buf = io.BytesIO()
        Image.fromarray(_resized(_photo(name), SCREEN)).save(buf, "PNG")
        screens.append(buf.getvalue())
    page = _resized(_photo("page"), SCAN_PAGE)
    scan_pages = [_noisy_jpeg(np.roll(page, 7 * i, axis=0), rng, 80) for i in range(12)]
    return _Bases(camera, received, screens, scan_pages)


def _copy(path: Path, blob: bytes, rng: np.random.Generator) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(blob + rng.bytes(8))


_VOCAB = (
    "the", "report", "of", "a", "meeting", "held", "on", "with", "notes", "and", "figures",
    "for", "each", "item",
)  # fmt: skip


def _words(rng: np.random.Generator, n: int) -> str:
    return " ".join(_VOCAB[i] for i in rng.integers(0, len(_VOCAB), n))


def _pictures(root: Path, s: Scale, b: _Bases, rng: np.random.Generator) -> None:
    cam = root / "DCIM" / "Camera"
    for kind, count in (("12MP", s.photos_12mp), ("3MP", s.photos_3mp)):
        for i in range(count):
            blob = b.camera[kind][i % len(PHOTOS)]
            _copy(cam / f"IMG_20240501_{kind}_{i:05d}.jpg", blob, rng)
    for i in range(s.received):
        blob = b.received[i % len(PHOTOS)]
        _copy(root / "Pictures" / "WhatsApp" / f"IMG-20240501-WA{i:04d}.jpg", blob, rng)
    for i in range(s.screenshots):
        blob = b.screens[i % len(b.screens)]
        _copy(root / "Pictures" / "Screenshots" / f"Screenshot_{i:04d}.png", blob, rng)


def _video(path: Path, seed: int) -> None:
    import av

    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, (9, 16, 3)).astype(np.uint8)
    grain = [rng.integers(0, 24, (1080, 1920, 3), dtype=np.uint8) for _ in range(5)]
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=25)
        stream.width, stream.height, stream.pix_fmt = 1920, 1080, "yuv420p"
        stream.bit_rate = 16_000_000
        for i in range(25 * 10):
            cells = Image.fromarray(np.roll(base, i // 25, axis=1))
            frame = np.asarray(cells.resize((1920, 1080), Image.Resampling.BILINEAR))
            frame = np.maximum(frame, grain[i % len(grain)])
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def _report_pdf(path: Path, rng: np.random.Generator, scans: list[Path]) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4)
    pages = len(scans) or int(rng.integers(1, 30))
    for p in range(pages):
        if scans:
            pdf.drawImage(str(scans[p]), 0, 0, *A4)
        else:
            for line in range(50):
                pdf.drawString(60, 780 - 14 * line, _words(rng, 12))
        pdf.drawString(60, 20, f"{path.stem} page {p + 1} ref {rng.integers(1 << 40)}")
        pdf.showPage()
    pdf.save()


_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="jpeg" ContentType="image/jpeg"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)


def _docx(path: Path, rng: np.random.Generator, picture: bytes) -> None:
    body = "".join(f"<w:p><w:r><w:t>{_words(rng, 40)}</w:t></w:r></w:p>" for _ in range(60))
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _DOCX_TYPES)
        zf.writestr("word/document.xml", f'<w:document xmlns:w="{ns}"><w:body>{body}</w:body>')
        zf.writestr("word/media/image1.jpeg", picture + rng.bytes(8), zipfile.ZIP_STORED)


def _table(path: Path, rng: np.random.Generator) -> None:
    rows = int(10 ** rng.uniform(2, 4.7))
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["date", "reference", "amount", "note"])
        for r in range(rows):
            out.writerow(
                [f"2024-05-{1 + r % 28:02d}", rng.integers(1 << 32), r * 7, _words(rng, 6)]
            )


def _documents(root: Path, s: Scale, b: _Bases, rng: np.random.Generator, tmp: Path) -> None:
    docs = root / "Documents"
    docs.mkdir(parents=True, exist_ok=True)
    pages = []
    for i, blob in enumerate(b.scan_pages):
        pages.append(tmp / f"page{i}.jpg")
        pages[-1].write_bytes(blob)
    for i in range(s.reports):
        _report_pdf(docs / f"report_{i:04d}.pdf", rng, [])
    for i in range(s.scans):
        count = int(rng.integers(2, len(pages) + 1))
        _report_pdf(docs / f"scan_{i:04d}.pdf", rng, pages[:count])
    for i in range(s.docx):
        _docx(docs / f"letter_{i:04d}.docx", rng, b.received[i % len(PHOTOS)])
    for i in range(s.tables):
        _table(docs / f"accounts_{i:04d}.csv", rng)
        (docs / f"notes_{i:04d}.txt").write_text(_words(rng, int(rng.integers(50, 5000))))


def _opaque(root: Path, s: Scale, rng: np.random.Generator) -> None:
    for i in range(s.app_files):
        app = root / "Android" / "data" / f"com.example.app{i % 40:02d}" / "files"
        app.mkdir(parents=True, exist_ok=True)
        (app / f"cache_{i:05d}.bin").write_bytes(rng.bytes(int(rng.integers(1 << 10, 1 << 16))))
    (root / "Download").mkdir(exist_ok=True)
    for i in range(s.downloads):
        size = int(1e6 * 60 ** rng.random())
        (root / "Download" / f"download_{i:03d}.bin").write_bytes(rng.bytes(size))


def _tar_add(tf: tarfile.TarFile, name: str, blob: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime = len(blob), 1714564800
    tf.addfile(info, io.BytesIO(blob))


def _archives(root: Path, s: Scale, b: _Bases, rng: np.random.Generator) -> None:
    arc = root / "Archives"
    arc.mkdir(parents=True, exist_ok=True)
    for i in range(s.chats):
        with zipfile.ZipFile(arc / f"WhatsApp Chat {i:03d}.zip", "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("_chat.txt", _words(rng, 20_000))
            for k in range(int(rng.integers(5, 30))):
                blob = b.received[k % len(PHOTOS)] + rng.bytes(8)
                zf.writestr(f"IMG-WA{k:04d}.jpg", blob, zipfile.ZIP_STORED)
    for i in range(s.backups):
        with tarfile.open(arc / f"camera-backup-{i}.tar", "w") as tf:
            for k in range(s.backup_photos):
                kind = "12MP" if k % 2 else "3MP"
                blob = b.camera[kind][k % len(PHOTOS)] + rng.bytes(8)
                _tar_add(tf, f"DCIM/IMG_{k:04d}.jpg", blob)
        with tarfile.open(arc / f"logs-{i}.tar.gz", "w:gz") as tf:
            for k in range(20):
                _tar_add(tf, f"logs/app{k}.log", _words(rng, 30_000).encode() + rng.bytes(20_000))
        with zipfile.ZipFile(arc / f"documents-{i}.zip", "w", zipfile.ZIP_DEFLATED) as zf:
            for k in range(10):
                zf.writestr(f"doc{k}.txt", _words(rng, 5000))
                zf.writestr(f"data{k}.bin", rng.bytes(500_000))


def make_tree(root: Path, scale: str) -> None:
    """Generate the tree of ``scale`` at ``root`` (which must not exist)."""
    s = SCALES[scale]
    rng = np.random.default_rng(1)
    root.mkdir(parents=True)
    bases = _bases(rng)
    _pictures(root, s, bases, rng)
    for v in range(s.videos):
        _video(root / "Movies" / f"VID_20240501_{v:04d}.mp4", v)
    tmp = root.parent / f"{root.name}-pages"
    tmp.mkdir(exist_ok=True)
    _documents(root, s, bases, rng, tmp)
    for p in tmp.iterdir():
        p.unlink()
    tmp.rmdir()
    _opaque(root, s, rng)
    _archives(root, s, bases, rng)


_KINDS = {
    ".jpg": "jpeg",
    ".png": "png",
    ".mp4": "video",
    ".pdf": "pdf",
    ".docx": "docx",
    ".csv": "text",
    ".txt": "text",
    ".zip": "archive",
    ".tar": "archive",
    ".gz": "archive",
    ".bin": "opaque",
}


def composition(root: Path) -> dict[str, dict[str, float]]:
    """Files and MB by kind (from the names the generator gave them)."""
    files: Counter[str] = Counter()
    size: Counter[str] = Counter()
    for p in root.rglob("*"):
        if p.is_file():
            kind = _KINDS.get(p.suffix.lower(), "other")
            files[kind] += 1
            size[kind] += p.stat().st_size
    return {k: {"files": files[k], "mb": round(size[k] / 1e6, 1)} for k in sorted(files)}


def cached_tree(out: Path, scale: str) -> Path:
    """The tree of ``scale`` under ``out``, generated unless a current one is there."""
    root = out / f"scan-{scale}"
    marker = out / f"scan-{scale}.json"
    if marker.exists() and json.loads(marker.read_text()).get("version") == VERSION:
        return root
    import shutil

    shutil.rmtree(root, ignore_errors=True)
    marker.unlink(missing_ok=True)
    make_tree(root, scale)
    marker.write_text(json.dumps({"version": VERSION, "composition": composition(root)}))
    return root
