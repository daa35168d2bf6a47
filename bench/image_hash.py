"""Benchmark: our PDQ path (guarded decode, JPEG draft, box resize) against full decode.

The corpus is made at bench time in a temporary directory from the photographs and
textures bundled with scikit-image, each saved as JPEG at its own size and at phone size
(12 MP), at qualities 90 and 70 (``--scale small``: quality 90 only). The anchor is the
path python-threatexchange uses: Pillow full decode + ``pdqhash``
(``threatexchange.signal_type.pdq.pdq_hasher.pdq_from_file``). Both run in this process on
the same files; the distances between the two hashes of each image are reported. Both
sides compute PDQ with ``pdqhash``; ours hashes a smaller picture (JPEG draft decode to
``DRAFT_MIN_SIDE``, then every side longer than ``RESIZE_SIDE`` box-resized to it).
``--sweep`` also measures other pairs of sizes (how the two were chosen). Both sides are
warmed up, run single-threaded in turn over the whole corpus three times, and the median
CPU time of each is taken (CPU seconds: the machine is shared; rates are images per CPU
second).

    .venv/bin/python bench/image_hash.py --scale small
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from safeguard.hashing import pdq_of_image
from safeguard.hashing.decode import DRAFT_MIN_SIDE, RESIZE_SIDE

PHOTOS = [
    "astronaut",
    "brick",
    "camera",
    "cell",
    "chelsea",
    "clock_motion",
    "coffee",
    "coins",
    "grass",
    "gravel",
    "hubble_deep_field",
    "ihc",
    "moon",
    "motorcycle_left",
    "motorcycle_right",
    "page",
    "retina",
    "rocket",
    "text",
]
TEXTURES = {"brick", "grass", "gravel", "text", "page", "hubble_deep_field"}
PHONE_PIXELS = 12_000_000


def bundled_images() -> dict[str, Image.Image]:
    import skimage

    folder = Path(skimage.__file__).parent / "data"
    out: dict[str, Image.Image] = {}
    for name in PHOTOS:
        path = next(iter(sorted(folder.glob(f"{name}.*"))), None)
        if path is not None:
            with Image.open(path) as im:
                out[name] = im.convert("RGB") if im.mode not in ("L", "RGB") else im.copy()
    return out


def make_corpus(root: Path, qualities: tuple[int, ...]) -> list[tuple[str, Path]]:
    corpus: list[tuple[str, Path]] = []
    for name, im in bundled_images().items():
        scale = (PHONE_PIXELS / (im.width * im.height)) ** 0.5
        phone = im.resize(
            (round(im.width * scale), round(im.height * scale)), Image.Resampling.BICUBIC
        )
        for size_label, pic in (("own", im), ("12MP", phone)):
            for q in qualities:
                path = root / f"{name}_{size_label}_q{q}.jpg"
                pic.save(path, "JPEG", quality=q)
                corpus.append((f"{name}/{size_label}/q{q}", path))
    return corpus


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


Sizes = tuple[int | None, int | None]
SWEEP: list[Sizes] = [
    *((d, r) for d in (512, 1024, 1536) for r in (384, 512, 576, 640, 768, None) if (r or d) <= d),
    (1536, 1024),
    (None, 576),
    (None, None),
]


ROUNDS = 3


def time_ours(corpus: list[tuple[str, Path]], sizes: Sizes) -> tuple[float, list[str]]:
    draft, resize = sizes
    t0 = time.process_time()
    hashes = [
        pdq_of_image(path, draft_min_side=draft, resize_side=resize).hex for _, path in corpus
    ]
    return time.process_time() - t0, hashes


def time_anchor(corpus: list[tuple[str, Path]]) -> tuple[float, list[str]]:
    from threatexchange.signal_type.pdq.pdq_hasher import pdq_from_file

    t0 = time.process_time()
    hashes = [str(pdq_from_file(path)[0]) for _, path in corpus]
    return time.process_time() - t0, hashes


def report(label: str, corpus: list[tuple[str, Path]], dists: np.ndarray, speedup: float) -> None:
    worst = int(np.argmax(dists))
    print(
        f"{label:>18}: speedup {speedup:5.1f}x  within 31: {np.mean(dists <= 31):6.1%}  "
        f"within 10: {np.mean(dists <= 10):6.1%}  median {np.median(dists):.0f}  "
        f"max {dists[worst]} ({corpus[worst][0]})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", choices=["small", "full"], default="small")
    parser.add_argument("--sweep", action="store_true", help="also try other draft sizes")
    args = parser.parse_args()
    qualities = (90,) if args.scale == "small" else (90, 70)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = make_corpus(Path(tmp), qualities)
        print(f"corpus: {len(corpus)} JPEGs from {len(corpus) // (2 * len(qualities))} images")
        time_anchor(corpus[:2])  # warm-up: imports and first-call costs on both sides
        time_ours(corpus[:2], (DRAFT_MIN_SIDE, RESIZE_SIDE))
        anchor_runs, ours_runs = [], []
        for _ in range(ROUNDS):  # interleaved, so load changes hit both sides alike
            anchor_s, anchor = time_anchor(corpus)
            ours_s, ours = time_ours(corpus, (DRAFT_MIN_SIDE, RESIZE_SIDE))
            anchor_runs.append(anchor_s)
            ours_runs.append(ours_s)
        anchor_s, ours_s = float(np.median(anchor_runs)), float(np.median(ours_runs))
        dists = np.array([hamming(a, b) for a, b in zip(ours, anchor, strict=True)])
        print(f"anchor (full decode + pdqhash): {len(corpus) / anchor_s:.1f} images/s")
        print(
            f"ours (draft {DRAFT_MIN_SIDE}, resize {RESIZE_SIDE}): "
            f"{len(corpus) / ours_s:.1f} images/s"
        )
        report(f"{DRAFT_MIN_SIDE}/{RESIZE_SIDE}", corpus, dists, anchor_s / ours_s)
        phone = np.array(["12MP" in label for label, _ in corpus])
        tex = np.array([label.split("/")[0] in TEXTURES for label, _ in corpus])
        for name, sel in (("12MP only", phone), ("own size", ~phone), ("textures", tex)):
            print(f"  {name:>10}: max {dists[sel].max()}  median {np.median(dists[sel]):.0f}")
        if args.sweep:
            print("sweep (draft min side / resize side):")
            for sizes in SWEEP:
                secs, hashes = time_ours(corpus, sizes)
                d = np.array([hamming(a, b) for a, b in zip(hashes, anchor, strict=True)])
                report(f"{sizes[0]}/{sizes[1]}", corpus, d, anchor_s / secs)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(
        json.dumps(
            {
                "bench": "image_hash",
                "scale": args.scale,
                "speedup": round(anchor_s / ours_s, 2),
                "within_31": float(np.mean(dists <= 31)),
                "within_10": float(np.mean(dists <= 10)),
                "max_distance": int(dists.max()),
                "median_distance": float(np.median(dists)),
                "ours_images_per_s": round(len(corpus) / ours_s, 2),
                "anchor_images_per_s": round(len(corpus) / anchor_s, 2),
                "images": len(corpus),
                "draft_min_side": DRAFT_MIN_SIDE,
                "resize_side": RESIZE_SIDE,
                "rss_mb": round(rss_mb, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
