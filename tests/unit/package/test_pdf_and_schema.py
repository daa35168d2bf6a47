"""The PDF for people and the published JSON Schema, checked with independent tools."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from safeguard.package.pdf import render_pdf
from safeguard.package.verify import package_schema

ROOT = Path(__file__).parents[3]
GOLDEN = ROOT / "tests" / "e2e" / "golden" / "top_package.json"


def _doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(GOLDEN.read_text())
    doc["issued"] = {"officer": "J. Approver", "approved_at": None, "contact": "Desk 4"}
    doc["grading"]["handling_conditions"] = ["No onward sharing without the partner's consent"]
    return doc


def _pages(pdf: bytes, tmp_path: Path) -> list[str]:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) missing: run `make test` (scripts/system-deps.sh)")
    path = tmp_path / "p.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [p for p in text.split("\f") if p.strip()]


def test_every_page_is_marked_in_header_and_footer(tmp_path: Path) -> None:
    doc = _doc()
    doc["material"]["hashes"] = doc["material"]["hashes"] * 10  # several pages of annex
    pages = _pages(render_pdf(doc), tmp_path)
    assert len(pages) >= 3
    for page in pages:
        lines = [ln.strip() for ln in page.splitlines() if ln.strip()]
        assert lines[0] == "OFFICIAL-SENSITIVE", lines[0]
        assert "OFFICIAL-SENSITIVE" in lines[-1], lines[-1]


def test_pdf_carries_grading_handling_and_officer(tmp_path: Path) -> None:
    text = " ".join(" ".join(_pages(render_pdf(_doc()), tmp_path)).split())
    for expected in (
        "2/B/P",
        "No onward sharing without the partner's consent",
        "J. Approver",
        "Desk 4",
        _doc()["subject"]["accounts"][0]["account_id"],
        "Annex: hashes of matched files",
    ):
        assert expected in text, expected


def test_published_schema_is_the_one_verify_uses() -> None:
    published = json.loads((ROOT / "docs" / "package.schema.json").read_text())
    assert published == package_schema()
    jsonschema.Draft202012Validator.check_schema(published)


def test_golden_package_is_valid_and_names_only_platform_accounts() -> None:
    doc = json.loads(GOLDEN.read_text())
    jsonschema.Draft202012Validator(package_schema()).validate(doc)
    platform_ids = {a["account_id"] for a in doc["subject"]["accounts"]}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if k == "account_id":
                    assert v in platform_ids, f"{v!r} is not a platform account id"
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(doc)
