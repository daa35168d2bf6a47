"""The checks request: the list a unit sends for police checks (PNC, PND, ViSOR, DBS-style).

One row per UK subject of the chosen tiers, in queue order, with a request reference the
returns quote back and every normalised identifier of all its accounts: names, dates of
birth, e-mails, phones, postcodes.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from safeguard.assess.checkmatch import request_reference
from safeguard.assess.queue import QueueFilter, queue
from safeguard.assess.ruleset import Ruleset
from safeguard.store.models import Account, Identifier, Subject, SubjectAccount

__all__ = ["REQUEST_COLUMNS", "build_request", "write_request"]

REQUEST_COLUMNS = (
    "reference", "subject", "tier", "tier_name", "force_id", "names", "dates_of_birth",
    "emails", "phones", "postcodes", "accounts",
)  # fmt: skip
_FIELD_OF_KIND = {"name": "names", "email": "emails", "phone": "phones", "postcode": "postcodes"}


def _identifiers(session: Session, op_id: int) -> dict[int, dict[str, set[str]]]:
    out: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    q = (
        select(SubjectAccount.subject_id, Identifier.kind, Identifier.norm, Identifier.value)
        .join(Identifier, Identifier.account_id == SubjectAccount.account_id)
        .join(Subject, Subject.id == SubjectAccount.subject_id)
        .where(Subject.operation_id == op_id, Identifier.kind.in_(list(_FIELD_OF_KIND)))
    )
    for sid, kind, norm, value in session.execute(q):
        out[int(sid)][_FIELD_OF_KIND[kind]].add(" ".join(value.split()) if kind == "name" else norm)
    q2 = (
        select(SubjectAccount.subject_id, Account.display_name, Account.date_of_birth)
        .join(Account, Account.id == SubjectAccount.account_id)
        .where(Account.operation_id == op_id)
    )
    for sid, name, dob in session.execute(q2):
        if name:
            out[int(sid)]["names"].add(" ".join(name.split()))
        if dob is not None:
            out[int(sid)]["dates_of_birth"].add(dob.isoformat())
    return out


def build_request(
    session: Session, op_id: int, ruleset: Ruleset, tiers: tuple[str, ...] = ("1", "2")
) -> list[dict[str, Any]]:
    """Rows of the request for UK subjects whose tier in force is one of ``tiers``."""
    idents = _identifiers(session, op_id)
    rows = []
    for d in queue(session, op_id, ruleset, QueueFilter(tiers=tiers)):
        if d["country"] != "GB":
            continue
        found = idents.get(d["id"], {})
        rows.append({
            "reference": request_reference(op_id, d["label"]), "subject": d["label"],
            "tier": d["tier"], "tier_name": d["tier_name"], "force_id": d["force_id"] or "",
            **{f: sorted(found.get(f, ())) for f in REQUEST_COLUMNS[5:10]},
            "accounts": d["platform_account_ids"],
        })  # fmt: skip
    return rows


def write_request(path: Path, rows: list[dict[str, Any]]) -> None:
    """The request as CSV (several values of one field separated by ``; ``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, REQUEST_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "; ".join(v) if isinstance(v, list) else v for k, v in row.items()})
    tmp.replace(path)
