"""Hash sets, re-encoded copies, unknown files and lexicon phrases in a synthetic operation."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from safeguard.synth import load_lexicon
from tests.unit.synth.conftest import read_csv

Rows = dict[str, list[dict[str, str]]]


def _vics(operation: Path) -> list[dict[str, Any]]:
    data = json.loads((operation / "hashsets" / "known.vics.json").read_text())
    assert data["@odata.context"].endswith("#Media")
    media: list[dict[str, Any]] = data["value"]
    return media


def test_vics_uses_uk_categories_and_tolerated_variants(operation: Path) -> None:
    media = _vics(operation)
    assert {m["Category"] for m in media} == {0, 1, 2, 3}
    assert any(m["VictimIdentified"] in ("true", "false") for m in media)
    assert any(isinstance(m["VictimIdentified"], bool) for m in media)
    assert any(m["MD5"] != m["MD5"].lower() for m in media)
    assert any(m["MD5"] == m["MD5"].lower() for m in media)


def test_hash_sets_agree_and_their_hashes_occur_in_files(operation: Path, tables: Rows) -> None:
    media = _vics(operation)
    rows = read_csv(operation / "hashsets" / "known.csv")
    uk = {1: "A", 2: "B", 3: "C", 0: "non-pertinent"}
    assert [(m["MD5"].lower(), m["SHA1"].lower(), uk[m["Category"]]) for m in media] == [
        (r["md5"], r["sha1"], r["category"]) for r in rows
    ]
    assert all(len(r["sha256"]) == 64 for r in rows)
    assert sum(len(r["pdq"]) == 64 for r in rows) > len(rows) // 2
    seen = {f["md5"] for f in tables["files"]}
    known = {r["md5"] for r in rows}
    assert len(known & seen) > len(known) // 2
    by_md5 = {f["md5"]: f for f in tables["files"]}
    for r in rows:
        if r["md5"] in by_md5:
            assert (by_md5[r["md5"]]["sha256"], by_md5[r["md5"]]["pdq"]) == (r["sha256"], r["pdq"])


def _distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def test_reencoded_copies_are_only_perceptually_close(operation: Path, tables: Rows) -> None:
    rows = read_csv(operation / "hashsets" / "known.csv")
    known_md5 = {r["md5"] for r in rows}
    known_pdq = [r["pdq"] for r in rows if r["pdq"]]
    other = {f["pdq"] for f in tables["files"] if f["md5"] not in known_md5 and f["pdq"]}
    close = [min(_distance(p, k) for k in known_pdq) for p in list(other)[:400]]
    near = [d for d in close if d <= 20]
    assert near and all(1 <= d <= 20 for d in near)
    assert len(near) < len(close)  # unknown files are far from every known one


def test_unknown_files_are_first_uploaded_by_a_producer(
    operation: Path, truth: dict[str, Any], tables: Rows
) -> None:
    rows = read_csv(operation / "hashsets" / "known.csv")
    known = {r["md5"] for r in rows}
    known_pdq = [r["pdq"] for r in rows if r["pdq"]]

    def reencoded(f: dict[str, str]) -> bool:
        return bool(f["pdq"]) and min(_distance(f["pdq"], k) for k in known_pdq) <= 20

    producers = {a for p in truth["persons"] if p["producer"] for a in p["accounts"]}
    events: dict[str, list[dict[str, str]]] = defaultdict(list)
    for f in tables["files"]:
        if f["md5"] and f["md5"] not in known and f["timestamp"].endswith("Z") and not reencoded(f):
            events[f["md5"]].append(f)
    first_by_producer = 0
    for group in events.values():
        first = min(group, key=lambda r: r["timestamp"])
        first_by_producer += first["direction"] == "upload" and first["account_id"] in producers
    assert first_by_producer >= 0.9 * len(events) > 0
    shared = [f for f in tables["files"] if f["direction"] in ("download", "share")]
    assert all(f["counterpart_account_id"] for f in shared if f["account_id"] != "u00000000")


def test_contact_offending_persons_use_hot_phrases_more(
    truth: dict[str, Any], tables: Rows
) -> None:
    lexicon = load_lexicon()
    hot = lexicon.phrases(hot=True)
    flagged = {a for p in truth["persons"] if p["contact_offending"] for a in p["accounts"]}
    counts = {True: [0, 0], False: [0, 0]}
    for m in tables["messages"]:
        group = counts[m["sender_account_id"] in flagged]
        group[0] += 1
        group[1] += any(h in m["text"] for h in hot)
    rate_flagged = counts[True][1] / counts[True][0]
    rate_other = counts[False][1] / counts[False][0]
    assert counts[False][1] > 0  # false positives exist
    assert rate_flagged > 5 * rate_other
    used = {
        p for p in lexicon.phrases(hot=False) if any(p in m["text"] for m in tables["messages"])
    }
    assert used


def test_checks_and_register_key_on_uk_persons_identifiers(
    operation: Path, truth: dict[str, Any]
) -> None:
    checks = read_csv(operation / "checks.csv")
    findings = {r["finding"] for r in checks}
    assert {"position_of_trust", "prior_sexual_offence", "no_trace"} <= findings
    sectors = {r["detail"] for r in checks if r["finding"] == "position_of_trust"}
    assert sectors <= {"education", "childcare", "health", "police", "religious", "youth-sport"}
    assert {r["kind"] for r in checks} <= {"email", "phone", "name_dob"}
    assert all("|" in r["value"] for r in checks if r["kind"] == "name_dob")
    uk_forces = {p["force_id"] for p in truth["persons"] if p["country"] == "GB"}
    assert {r["force_id"] for r in checks if r["force_id"]} <= uk_forces
    register = read_csv(operation / "register.csv")
    assert register and {r["status"] for r in register} <= {"open", "closed"}
    assert len(truth["registered_persons"]) == len({r["reference"] for r in register})
