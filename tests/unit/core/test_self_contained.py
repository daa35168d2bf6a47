"""The repository needs nothing beside it: a fresh clone alone runs its tests and docs link inside.

The fresh-clone test clones the committed tree into an empty temporary directory (so no
sibling folder of any name exists) and runs there, against the clone's own code, the
tests that read vendored data (MaxMind's test databases, the UK tables).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCANNED = ("src", "tests", "bench", "docs", "scripts", ".ci")
#: A path to the project's shared folder beside the repository (split so this file is clean).
OUTSIDE = re.compile(r"\.\./" + "shared|/work/" + "shared|[\"']" + r"shared[\"']\s*/")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _tree() -> list[Path]:
    """The repository's files: tracked or not yet, never what git ignores (benchmark
    output, caches, a venv: gigabytes that are not part of the repository)."""
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        return [p for top in SCANNED for p in (ROOT / top).rglob("*") if p.is_file()]
    listed = subprocess.run(
        [git, "ls-files", "-z", "--cached", "--others", "--exclude-standard", *SCANNED],
        cwd=ROOT, capture_output=True, check=True, timeout=60,
    ).stdout.decode()  # fmt: skip
    return [ROOT / name for name in listed.split("\0") if name and (ROOT / name).is_file()]


def _text_files() -> list[Path]:
    files = [ROOT / "Makefile", ROOT / "README.md", ROOT / "pyproject.toml"]
    files += [p for p in _tree() if "vendor" not in p.relative_to(ROOT).parts]
    return [p for p in files if p.suffix not in {".mmdb", ".pyc", ".geojson"}]


def test_nothing_refers_to_a_folder_beside_the_repository() -> None:
    hits = []
    for path in _text_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        hits += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in OUTSIDE.finditer(text)]
    assert hits == []


def test_every_relative_link_in_the_docs_is_a_file_in_the_repository() -> None:
    pages = [ROOT / "README.md", *ROOT.glob("docs/*.md"), *ROOT.glob("bench/*.md")]
    pages += list((ROOT / "tests" / "data").rglob("*.md"))
    broken = []
    for page in pages:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue  # http:, https:, mailto:
            resolved = (page.parent / target).resolve()
            if not resolved.is_relative_to(ROOT) or not resolved.exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert broken == []


def test_the_delivery_format_specification_is_linked_from_formats_md() -> None:
    text = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    assert "](delivery-formats.md)" in text
    spec = (ROOT / "docs" / "delivery-formats.md").read_text(encoding="utf-8")
    assert "safeguard-platform-export" in spec and "Provenance" in spec


@pytest.mark.slow
def test_a_fresh_clone_alone_runs_the_tests_that_read_vendored_data(tmp_path: Path) -> None:
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout to clone from")
    clone = tmp_path / "alone" / "safeguard"
    subprocess.run(
        [git, "clone", "-q", "--no-hardlinks", str(ROOT), str(clone)], check=True, timeout=120
    )
    assert sorted(p.name for p in clone.parent.iterdir()) == ["safeguard"]
    env = {**os.environ, "PYTHONPATH": str(clone / "src"), "SKIP_POSTGRES_TESTS": "1"}
    env.pop("SAFEGUARD_GEOIP_CITY", None)
    env.pop("SAFEGUARD_GEOIP_ANONYMOUS", None)
    code = (
        "import safeguard, sys; from pathlib import Path; "
        f"sys.exit(0 if Path(safeguard.__file__).is_relative_to({str(clone)!r}) else 9)"
    )
    subprocess.run([sys.executable, "-c", code], cwd=clone, env=env, check=True, timeout=60)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
         "tests/unit/attribute", "tests/unit/core/test_refdata.py",
         "tests/unit/core/test_self_contained.py", "-k", "not fresh_clone"],
        check=False, cwd=clone, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout
