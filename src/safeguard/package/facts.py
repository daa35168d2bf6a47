"""What a package says, read from the store in a few whole-operation queries.

Every function here returns plain data keyed by internal ids for :mod:`content` to assemble;
the ids themselves never reach a package (only platform account ids do).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguard.store.models import (
    Account,
    AccountMaterial,
    CheckFinding,
    Delivery,
    FileEvent,
    FileMatch,
    HashEntry,
    Identifier,
)

__all__ = [
    "MATERIAL_KEYS",
    "Grading",
    "accounts",
    "annex",
    "checks",
    "grading",
    "material",
]

MATERIAL_KEYS = (
    "files_a",
    "files_b",
    "files_c",
    "files_unknown",
    "uploads",
    "downloads",
    "shares",
    "first_uploads_unknown",
)
_SOURCE_ORDER = "12345"  # 3x5x2: 1 (reliable) .. 3 (untested); A..E for the intelligence
_HANDLING_MEANING = {
    "P": "lawful sharing permitted",
    "C": "lawful sharing permitted subject to the conditions below",
}


@dataclass(frozen=True)
class Grading:
    """The most cautious 3x5x2 grading among the operation's deliveries."""

    source: str
    intelligence: str
    handling: str
    conditions: tuple[str, ...]

    @property
    def code(self) -> str:
        return f"{self.source}/{self.intelligence}/{self.handling}"

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "source_evaluation": self.source,
            "intelligence_assessment": self.intelligence,
            "handling_code": self.handling,
            "handling_meaning": _HANDLING_MEANING.get(self.handling, ""),
            "handling_conditions": list(self.conditions),
        }


def grading(conn: Session, op: int) -> Grading:
    rows = conn.execute(
        select(
            Delivery.grading_source,
            Delivery.grading_intelligence,
            Delivery.grading_handling,
            Delivery.grading_conditions,
        ).where(Delivery.operation_id == op)
    ).all()
    if not rows:
        return Grading("3", "E", "C", ())
    src = max((r[0] or "3") for r in rows)
    intel = max((r[1] or "E") for r in rows)
    handling = "C" if any((r[2] or "C") == "C" for r in rows) else "P"
    conditions = tuple(sorted({r[3].strip() for r in rows if r[3] and r[3].strip()}))
    return Grading(src, intel, handling, conditions)


def accounts(conn: Session, op: int) -> dict[int, dict[str, Any]]:
    """Account id -> what the package shows of it: platform ids, profile, identifiers."""
    out: dict[int, dict[str, Any]] = {}
    q = select(
        Account.id,
        Account.platform,
        Account.platform_account_id,
        Account.username,
        Account.declared_country,
        Account.declared_postcode,
    ).where(Account.operation_id == op)
    for aid, platform, platform_id, username, country, postcode in conn.execute(q):
        out[aid] = {
            "platform": platform,
            "account_id": platform_id,
            "username": username,
            "declared_country": country,
            "declared_postcode": postcode,
            "identifiers": [],
        }
    q2 = (
        select(Identifier.account_id, Identifier.kind, Identifier.norm)
        .join(Account, Account.id == Identifier.account_id)
        .where(Account.operation_id == op)
        .order_by(Identifier.account_id, Identifier.kind, Identifier.norm)
    )
    for account_id, kind, norm in conn.execute(q2):
        entry = {"kind": kind, "value": norm}
        if entry not in out[account_id]["identifiers"]:
            out[account_id]["identifiers"].append(entry)
    return out


def material(conn: Session, op: int) -> dict[int, dict[str, int]]:
    cols = [getattr(AccountMaterial, k) for k in MATERIAL_KEYS]
    q = select(AccountMaterial.account_id, *cols).where(AccountMaterial.operation_id == op)
    return {aid: dict(zip(MATERIAL_KEYS, vals, strict=True)) for aid, *vals in conn.execute(q)}


def annex(conn: Session, op: int) -> dict[int, list[dict[str, Any]]]:
    """Account id -> its matched files: hashes, category, series, method (never content)."""
    q = (
        select(
            FileEvent.account_id,
            FileEvent.sha256,
            FileEvent.md5,
            FileEvent.direction,
            FileMatch.category,
            FileMatch.method,
            HashEntry.series,
        )
        .join(FileMatch, FileMatch.file_event_id == FileEvent.id)
        .join(HashEntry, HashEntry.id == FileMatch.hash_entry_id)
        .where(FileMatch.operation_id == op)
    )
    seen: dict[int, dict[tuple[str, str], dict[str, Any]]] = defaultdict(dict)
    for aid, sha256, md5, direction, category, method, series in conn.execute(q):
        key = (sha256 or "", md5 or "")
        row = seen[aid].setdefault(
            key,
            {
                "sha256": sha256,
                "md5": md5,
                "category": category,
                "series": series,
                "method": method,
                "directions": [],
            },
        )
        if direction not in row["directions"]:
            row["directions"] = sorted([*row["directions"], direction])
    return {
        aid: sorted(rows.values(), key=lambda r: (r["category"], r["sha256"] or "", r["md5"] or ""))
        for aid, rows in seen.items()
    }


def checks(conn: Session, op: int) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(identifier kind, normalised value) -> police-checks findings about it."""
    out: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    q = select(CheckFinding).where(CheckFinding.operation_id == op).order_by(CheckFinding.id)
    for f in conn.scalars(q):
        out[(f.kind, f.norm)].append(
            {
                "source": f.source,
                "finding": f.finding,
                "detail": f.detail,
                "date": f.date,
                "force_id": f.force_id,
                "checked": {"kind": f.kind, "value": f.norm},
            }
        )
    return out
