"""Writing subjects: unchanged subjects keep their id and label, changed ones are replaced.

A subject whose set of accounts is exactly the same as before keeps its row, so assessments,
attributions and packages that point at it stay valid. A new or changed subject gets the
label of the old subject that held its lowest account (when still free), otherwise the next
free number, so labels are stable for the same input and across analysts' splits and merges;
an undo passes the labels the undone action replaced, so they come back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, bindparam, text

from safeguard.resolve.linking import AnalystAction
from safeguard.store.bulk import bulk_insert, ts_text
from safeguard.store.models.base import utcnow

__all__ = [
    "SubjectChanges",
    "format_label",
    "load_accepted_pairs",
    "load_actions",
    "write_subjects",
]

_LABEL = re.compile(r"^S-(\d+)$")

#: Rows derived from a subject that a later stage recomputes; dropped with a changed subject.
_DERIVED = ("subject_account", "subject_network", "attribution", "assessment")
#: Rows that record what people did about a subject; such a subject row is kept (emptied).
_KEEPERS = ("intel_package", "outcome")


def format_label(number: int) -> str:
    return f"S-{number:06d}"


@dataclass
class SubjectChanges:
    kept: int = 0
    created: int = 0
    retired: int = 0
    retained_with_records: list[str] = field(default_factory=list)


def load_actions(conn: Connection, op_id: int) -> list[AnalystAction]:
    """The operation's splits and merges still in force, oldest first."""
    rows = conn.execute(
        text(
            "SELECT id, action, account_ids FROM subject_action WHERE operation_id = :op "
            "AND reverted_by IS NULL AND action IN ('split', 'merge') ORDER BY id"
        ).columns(),
        {"op": op_id},
    )
    out = []
    for action_id, kind, accounts in rows:
        ids = accounts if isinstance(accounts, list) else _json_list(accounts)
        out.append(AnalystAction(int(action_id), str(kind), tuple(int(a) for a in ids)))
    return out


def _json_list(raw: object) -> list[int]:
    import json

    value = json.loads(str(raw))
    return [int(v) for v in value]


def load_accepted_pairs(conn: Connection, op_id: int) -> Iterator[tuple[int, int]]:
    rows = conn.execute(
        text(
            "SELECT account_a, account_b FROM link_evidence "
            "WHERE operation_id = :op AND accepted = :yes"
        ),
        {"op": op_id, "yes": True},
    )
    for a, b in rows:
        yield int(a), int(b)


def _current(conn: Connection, op_id: int) -> tuple[dict[int, str], dict[int, set[int]]]:
    labels: dict[int, str] = {}
    members: dict[int, set[int]] = {}
    rows = conn.execute(
        text(
            "SELECT s.id, s.label, sa.account_id FROM subject s "
            "LEFT JOIN subject_account sa ON sa.subject_id = s.id WHERE s.operation_id = :op"
        ),
        {"op": op_id},
    )
    for sid, label, account_id in rows:
        labels[int(sid)] = str(label)
        group = members.setdefault(int(sid), set())
        if account_id is not None:
            group.add(int(account_id))
    return labels, members


def _retire(conn: Connection, subject_ids: list[int], changes: SubjectChanges) -> set[int]:
    """Drop derived rows of changed subjects; return those that must keep their row."""
    if not subject_ids:
        return set()
    keep: set[int] = set()
    for table in _KEEPERS:
        stmt = text(f"SELECT DISTINCT subject_id FROM {table} WHERE subject_id IN :ids")
        for chunk in _chunks(subject_ids):
            rows = conn.execute(stmt.bindparams(bindparam("ids", expanding=True)), {"ids": chunk})
            keep.update(int(r[0]) for r in rows)
    for table in _DERIVED:
        stmt = text(f"DELETE FROM {table} WHERE subject_id IN :ids")
        for chunk in _chunks(subject_ids):
            conn.execute(stmt.bindparams(bindparam("ids", expanding=True)), {"ids": chunk})
    gone = [s for s in subject_ids if s not in keep]
    stmt = text("DELETE FROM subject WHERE id IN :ids").bindparams(bindparam("ids", expanding=True))
    for chunk in _chunks(gone):
        conn.execute(stmt, {"ids": chunk})
    changes.retired = len(gone)
    return keep


def _chunks(values: Sequence[int], size: int = 5000) -> Iterator[list[int]]:
    for i in range(0, len(values), size):
        yield list(values[i : i + size])


def _next_number(labels: Sequence[str]) -> int:
    numbers = [int(m.group(1)) for m in map(_LABEL.match, labels) if m]
    return max(numbers, default=0) + 1


def _new_labels(
    groups: list[list[int]],
    old_label_of: dict[int, str],
    taken: set[str],
    start: int,
    prefer: Mapping[frozenset[int], str],
) -> list[str]:
    out: list[str] = []
    number = start
    for group in groups:
        label = prefer.get(frozenset(group))
        if label is None or label in taken:
            label = old_label_of.get(group[0])
        if label is None or label in taken:
            label = format_label(number)
            number += 1
        taken.add(label)
        out.append(label)
    return out


def write_subjects(
    conn: Connection,
    op_id: int,
    groups: list[list[int]],
    prefer: Mapping[frozenset[int], str] | None = None,
) -> SubjectChanges:
    """Make the operation's subjects exactly ``groups`` (each a sorted list of account ids).

    A new group whose accounts are exactly a set in ``prefer`` takes that label when free
    (an undo gives the subjects it restores their original labels).
    """
    labels, members = _current(conn, op_id)
    by_set = {frozenset(m): sid for sid, m in members.items() if m}
    changes = SubjectChanges()
    fresh = [g for g in groups if frozenset(g) not in by_set]
    kept_ids = {by_set[frozenset(g)] for g in groups if frozenset(g) in by_set}
    changes.kept = len(kept_ids)
    old_label_of = {a: labels[sid] for sid, m in members.items() for a in m}
    obsolete = [sid for sid in labels if sid not in kept_ids]
    still_there = _retire(conn, obsolete, changes)
    changes.retained_with_records = sorted(labels[s] for s in still_there)
    taken = {labels[s] for s in kept_ids | still_there}
    start = _next_number(list(labels.values()))
    new_labels = _new_labels(fresh, old_label_of, taken, start, prefer or {})
    now = ts_text(utcnow())
    bulk_insert(
        conn,
        "subject",
        ("operation_id", "label", "created_at"),
        ((op_id, label, now) for label in new_labels),
    )
    wanted = set(new_labels)
    ids = {
        str(label): int(sid)
        for sid, label in conn.execute(
            text("SELECT id, label FROM subject WHERE operation_id = :op"), {"op": op_id}
        )
        if label in wanted and int(sid) not in still_there
    }
    rows = ((ids[label], a) for label, g in zip(new_labels, fresh, strict=True) for a in g)
    bulk_insert(conn, "subject_account", ("subject_id", "account_id"), rows)
    changes.created = len(fresh)
    return changes
