"""The synthetic known-material hash sets: VICS 2.0 JSON (``uk`` scheme) and Safeguard CSV.

VICS ``Category`` under the ``uk`` import scheme: 1 = A, 2 = B, 3 = C, 0 = non-pertinent.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa

from safeguard.synth.tables import TableWriter
from safeguard.synth.universe import CATEGORIES, Universe

__all__ = ["CSV_COLUMNS", "VICS_CATEGORY", "write_hashsets"]

VICS_CATEGORY = {"A": 1, "B": 2, "C": 3, "non-pertinent": 0}
CSV_COLUMNS = ("md5", "sha1", "sha256", "pdq", "category", "victim_identified", "series", "note")
_CONTEXT = "http://github.com/ICMEC/ProjectVic/DataModels/2.0.xml/UK/$metadata#Media"


def _bool(value: bool, as_text: bool) -> bool | str:
    return ("true" if value else "false") if as_text else value


def _vics_media(u: Universe, i: int, category: str, style: int) -> dict[str, object]:
    """One Media record; ``style`` varies booleans-as-strings and upper-case hex."""
    md5 = str(u.columns["md5"][i].as_py())
    sha1 = str(u.columns["sha1"][i].as_py())
    text_bools, upper = style % 3 == 0, style % 4 == 1
    series = int(u.series[i])
    return {
        "MediaID": i + 1,
        "Category": VICS_CATEGORY[category],
        "MD5": md5.upper() if upper else md5,
        "SHA1": sha1.upper() if upper else sha1,
        "VictimIdentified": _bool(bool(u.victim_identified[i]), text_bools),
        "OffenderIdentified": _bool(False, text_bools),
        "IsDistributed": _bool(True, text_bools),
        "Series": f"SYN-{series:04d}" if series >= 0 else None,
        "IsPrecategorized": _bool(True, text_bools),
        "MediaSize": int(u.columns["file_size"][i].as_py()),
        "Tags": [],
        "Comments": "synthetic test entry",
    }


def _write_vics(path: Path, u: Universe, categories: list[str], style: np.ndarray) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write('{"@odata.context": ' + json.dumps(_CONTEXT) + ', "value": [\n')
        for i in range(u.n_known):
            sep = ",\n" if i else ""
            out.write(sep + json.dumps(_vics_media(u, i, categories[i], int(style[i]))))
        out.write("\n]}\n")


def _write_csv(path: Path, u: Universe, categories: list[str]) -> None:
    n = u.n_known
    series = [f"SYN-{s:04d}" if s >= 0 else None for s in u.series.tolist()]
    with TableWriter(path, CSV_COLUMNS) as writer:
        writer.write({
            "md5": u.columns["md5"].slice(0, n),
            "sha1": u.columns["sha1"].slice(0, n),
            "sha256": u.columns["sha256"].slice(0, n),
            "pdq": u.columns["pdq"].slice(0, n),
            "category": pa.array(categories),
            "victim_identified": pa.array(["true" if v else "false"
                                           for v in u.victim_identified.tolist()]),
            "series": pa.array(series, pa.string()),
            "note": pa.array(["synthetic"] * n),
        })  # fmt: skip


def write_hashsets(directory: Path, u: Universe, rng: np.random.Generator) -> dict[str, Path]:
    """Write ``known.vics.json`` and ``known.csv`` for the known files of ``u``."""
    directory.mkdir(parents=True, exist_ok=True)
    categories = [CATEGORIES[c] for c in u.category(np.arange(u.n_known)).tolist()]
    vics, csv_path = directory / "known.vics.json", directory / "known.csv"
    _write_vics(vics, u, categories, rng.integers(0, 12, u.n_known))
    _write_csv(csv_path, u, categories)
    return {"vics": vics, "csv": csv_path}
