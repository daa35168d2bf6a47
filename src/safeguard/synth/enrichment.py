"""Police checks returns (FORMATS §4) and the known-subject register (FORMATS §5).

Only UK persons are checked. Findings key on the identifier the check was run on: the
canonical e-mail, the E.164 phone, or ``Name|YYYY-MM-DD``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa

from safeguard.refdata import uk
from safeguard.synth.persons import Persons
from safeguard.synth.police_keys import PoliceKeys
from safeguard.synth.tables import TableWriter

__all__ = ["CHECK_COLUMNS", "REGISTER_COLUMNS", "person_keys", "write_checks", "write_register"]

CHECK_COLUMNS = ("kind", "value", "source", "finding", "detail", "date", "force_id")
REGISTER_COLUMNS = ("force_id", "reference", "kind", "value", "status", "contact")
Row = tuple[str, ...]


def person_keys(persons: Persons, i: int) -> list[tuple[str, str]]:
    """The identifiers a force would run checks on for person ``i``."""
    keys = [("email", f"{persons.email_local[i]}@{persons.email_domain[i]}")]
    if persons.phone[i]:
        keys.append(("phone", str(persons.phone[i])))
    dob = np.datetime64(int(persons.dob_days[i]), "D")
    keys.append(("name_dob", f"{persons.full_name(i)}|{dob}"))
    return keys


def _date(rng: np.random.Generator) -> str:
    return str(np.datetime64(int(rng.integers(12784, 18200)), "D"))  # 2005 .. 2019


def _findings(rng: np.random.Generator, persons: Persons, i: int) -> list[tuple[str, str, str]]:
    """(source, finding, detail) for person ``i``; empty if nothing is on record."""
    out: list[tuple[str, str, str]] = []
    sector = persons.trust_sector(i)
    if sector is not None:
        out.append(("DBS", "position_of_trust", sector))
        if sector in ("education", "childcare", "youth-sport") and rng.random() < 0.5:
            out.append(("local", "works_with_children", sector))
    if persons.prior[i]:
        out.append(("PNC", "prior_sexual_offence", "indecent images offence"))
    if persons.rso[i]:
        out.append(("ViSOR", "registered_sex_offender", ""))
    if persons.children[i]:
        out.append(("local", "lives_with_children", "household includes children"))
    if rng.random() < 0.03:
        out.append(("PNC", "prior_other_offence", "theft"))
    return out


def _check_rows(
    rng: np.random.Generator, persons: Persons, police: PoliceKeys | None
) -> tuple[list[Row], list[dict[str, str | None]]]:
    """Rows and, per row, whose it is and how its key differs from the profile."""
    rows: list[Row] = []
    truth: list[dict[str, str | None]] = []
    for i in np.flatnonzero(persons.uk).tolist():
        keys = person_keys(persons, i)
        force = str(persons.force[i])
        findings = _findings(rng, persons, i)
        for source, finding, detail in findings:
            kind, value = keys[int(rng.integers(0, len(keys)))]
            kind, value, how = police.key(i, kind, value) if police else (kind, value, "")
            rows.append((kind, value, source, finding, detail, _date(rng), force))
            truth.append({"person_id": f"P{i + 1:07d}", "key": how})
        if not findings and rng.random() < 0.2:
            rows.append((*keys[0], "PNC", "no_trace", "", "", ""))
            truth.append({"person_id": f"P{i + 1:07d}", "key": "canonical"})
    for k in range(max(3, persons.n // 500)):
        rows.append(("email", f"unlinked{k}@mail.example", "PND", "no_trace", "", "", ""))
        truth.append({"person_id": None, "key": "nobody"})
    return rows, truth


def _columns(names: tuple[str, ...], rows: list[Row]) -> dict[str, pa.Array]:
    return {
        name: pa.array([r[k] or None for r in rows], pa.string()) for k, name in enumerate(names)
    }


def write_checks(
    path: Path, rng: np.random.Generator, persons: Persons, police: PoliceKeys | None = None
) -> int:
    """checks.csv; with ``police``, keys as police systems key them, and beside it
    ``checks_truth.json`` (evaluation only): each row's person and key variation, by line."""
    rows, truth = _check_rows(rng, persons, police)
    with TableWriter(path, CHECK_COLUMNS) as w:
        w.write(_columns(CHECK_COLUMNS, rows))
    if police is not None:
        doc = [{"line": n, **t} for n, t in enumerate(truth, start=2)]
        path.with_name("checks_truth.json").write_text(json.dumps(doc), encoding="utf-8")
    return len(rows)


def _national(e164: str) -> str:
    return "0" + e164[3:] if e164.startswith("+44") else e164


def write_register(path: Path, rng: np.random.Generator, persons: Persons) -> tuple[int, list[int]]:
    """Some UK persons are already known to a force; returns (rows, their person indices)."""
    rows: list[Row] = []
    known: list[int] = []
    for i in np.flatnonzero(persons.uk).tolist():
        chance = 0.5 if persons.prior[i] else 0.02
        if rng.random() >= chance:
            continue
        known.append(i)
        force = uk.force(str(persons.force[i]))
        ref = f"{force.pfa_code[-2:]}/SYN/{len(known):05d}"
        status = "open" if rng.random() < 0.4 else "closed"
        contact = f"Intelligence desk, {force.name}"
        email = f"{persons.email_local[i]}@{persons.email_domain[i]}"
        rows.append((force.force_id, ref, "email", email, status, contact))
        if persons.phone[i] and rng.random() < 0.6:
            rows.append((force.force_id, ref, "phone", _national(str(persons.phone[i])), status,
                         contact))  # fmt: skip
    with TableWriter(path, REGISTER_COLUMNS) as w:
        w.write(_columns(REGISTER_COLUMNS, rows))
        return w.rows, known
