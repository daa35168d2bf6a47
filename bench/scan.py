"""Benchmark: device scans against Debian's hashdeep and against a plain triage loop.

A device tree is generated (cached under ``bench/out/scan-SCALE``): JPEGs made from the
photographs bundled with scikit-image at phone sizes (12 MP and 3 MP; copies carry a few
unique trailing bytes after the JPEG end marker, as re-saved files do, so every file has
its own hashes), documents (random bytes of 10 KB to 40 MB), zip archives of some of
them, and a few short generated videos. ``--scale small`` is 186 MB (234 files), ``full``
3.0 GB (2,128 files). The tree is read once first so every side reads from the page cache.

In the same run:

1. exact hashes: ``safeguard scan --exact-only`` (MD5, SHA-1 and SHA-256 of every file,
   stored) against ``hashdeep -r -c md5,sha256`` (two hashes, multithreaded, printed);
2. full triage: ``safeguard scan`` (also PDQ, vPDQ, archive members, matching, stored)
   against a plain single-process loop of hashlib (MD5, SHA-1, SHA-256) + Pillow full
   decode + ``pdqhash`` for every file Pillow opens (the anchor neither opens archives
   nor hashes videos, so it does less work).

    .venv/bin/python bench/scan.py --scale small
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pdqhash
from PIL import Image

from safeguard import scan
from safeguard.config import Settings
from safeguard.store.db import Store

PHOTOS = ["astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field", "camera", "page"]
SIZES = {"12MP": (4032, 3024), "3MP": (2016, 1512)}
#: scale -> (photo copies per base JPEG, documents, largest document in MB, videos)
SCALES = {"small": (12, 60, 8, 2), "full": (120, 420, 40, 6)}


def _base_jpegs() -> list[bytes]:
    from skimage import data

    out = []
    for name in PHOTOS:
        im = Image.fromarray(getattr(data, name)()).convert("RGB")
        for size in SIZES.values():
            buf = io.BytesIO()
            im.resize(size, Image.Resampling.BICUBIC).save(buf, "JPEG", quality=88)
            out.append(buf.getvalue())
    return out


def _video(path: Path, seed: int) -> None:
    import av

    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, (18, 24, 3)).astype(np.uint8)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=25)
        stream.width, stream.height, stream.pix_fmt = 640, 480, "yuv420p"
        for i in range(25 * 8):
            cells = Image.fromarray(np.roll(base, i // 25, axis=1))
            frame = np.asarray(cells.resize((640, 480), Image.Resampling.BILINEAR))
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def make_tree(root: Path, scale: str) -> None:
    copies, docs, max_mb, videos = SCALES[scale]
    rng = np.random.default_rng(1)
    (root / "DCIM").mkdir(parents=True)
    for b, jpeg in enumerate(_base_jpegs()):
        for c in range(copies):
            (root / "DCIM" / f"IMG_{b:02d}{c:04d}.JPG").write_bytes(jpeg + rng.bytes(8))
    (root / "Documents").mkdir()
    for d in range(docs):
        size = int(10_000 * (max_mb * 100) ** rng.random())
        (root / "Documents" / f"doc{d:04d}.bin").write_bytes(rng.bytes(size))
    (root / "Archives").mkdir()
    for a in range(max(1, docs // 20)):
        with zipfile.ZipFile(root / "Archives" / f"a{a:03d}.zip", "w") as zf:
            for k in range(5):
                zf.writestr(f"f{k}.bin", rng.bytes(200_000))
            zf.writestr("p.jpg", _base_jpegs()[a % len(PHOTOS)] + rng.bytes(8))
    (root / "Movies").mkdir()
    for v in range(videos):
        _video(root / "Movies" / f"clip{v}.mp4", v)


def _tree_size(root: Path) -> tuple[int, int]:
    files = [p for p in root.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def _warm(root: Path) -> None:
    for p in root.rglob("*"):
        if p.is_file():
            with p.open("rb") as fh:
                while fh.read(1 << 22):
                    pass


def _hashdeep(root: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        ["hashdeep", "-r", "-c", "md5,sha256", str(root)], check=True, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - start


def _ours(root: Path, work: Path, label: str, media: bool) -> float:
    db = work / f"{label}.db"
    db.unlink(missing_ok=True)
    settings = Settings(data_dir=work, database_url=f"sqlite:///{db}")
    store = Store.open(settings)
    start = time.perf_counter()
    scan.run(store, settings, scan.ScanRequest(root, label, media=media))
    seconds = time.perf_counter() - start
    store.dispose()
    return seconds


def _plain_loop(root: Path) -> float:
    start = time.perf_counter()
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        digests = [hashlib.md5(), hashlib.sha1(), hashlib.sha256()]
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                for d in digests:
                    d.update(chunk)
        try:
            with Image.open(path) as im:
                pixels = np.asarray(im.convert("RGB"))
        except Exception:  # the anchor is a plain loop: anything Pillow cannot open
            continue
        pdqhash.compute(pixels)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    args = parser.parse_args()
    root = Path(__file__).parent / "out" / f"scan-{args.scale}"
    if not (root / ".done").exists():
        shutil.rmtree(root, ignore_errors=True)
        make_tree(root, args.scale)
        (root / ".done").write_text("")
    files, size = _tree_size(root)
    mb = size / 1e6
    print(f"tree: {files:,} files, {mb:,.0f} MB at {root}")
    _warm(root)
    with tempfile.TemporaryDirectory(prefix="safeguard-bench-") as tmp:
        work = Path(tmp)
        hashdeep_s = _hashdeep(root)
        exact_s = _ours(root, work, "exact", media=False)
        triage_s = _ours(root, work, "triage", media=True)
        anchor_s = _plain_loop(root)
    figures = {
        "bench": "scan",
        "scale": args.scale,
        "files": files,
        "mb": round(mb, 1),
        "cores": len(os.sched_getaffinity(0)),
        "load_avg": round(os.getloadavg()[0], 2),
        "hashdeep_mb_s": round(mb / hashdeep_s, 1),
        "exact_mb_s": round(mb / exact_s, 1),
        "exact_vs_hashdeep": round(hashdeep_s / exact_s, 2),
        "triage_files_s": round(files / triage_s, 1),
        "triage_mb_s": round(mb / triage_s, 1),
        "plain_loop_files_s": round(files / anchor_s, 1),
        "plain_loop_mb_s": round(mb / anchor_s, 1),
        "speedup": round(anchor_s / triage_s, 2),
    }
    print(
        f"hashdeep -c md5,sha256: {figures['hashdeep_mb_s']} MB/s; "
        f"ours exact (md5+sha1+sha256, stored): {figures['exact_mb_s']} MB/s "
        f"= {figures['exact_vs_hashdeep']}x"
    )
    print(
        f"triage: {figures['triage_files_s']} files/s, {figures['triage_mb_s']} MB/s; "
        f"plain loop: {figures['plain_loop_files_s']} files/s = {figures['speedup']}x"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
