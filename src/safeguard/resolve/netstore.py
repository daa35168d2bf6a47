"""Loading transfers and first uploads for the network, and writing ``subject_network``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, text

from safeguard.assess.queue import copy_roles
from safeguard.resolve.load import raw_rows
from safeguard.resolve.network import NetworkMetrics, Transfers, network_metrics
from safeguard.store.bulk import bulk_insert, json_text

__all__ = ["NetworkSummary", "rebuild_network"]

_TRANSFERS_SQL = """
SELECT f.account_id, f.counterpart_account_id,
       CASE WHEN f.direction = 'download' THEN 1 ELSE 0 END, COUNT(*)
FROM file_event f JOIN account a ON a.id = f.account_id
WHERE a.operation_id = :op AND f.counterpart_account_id IS NOT NULL
GROUP BY f.account_id, f.counterpart_account_id, f.direction
"""

#: Earliest upload of each file key not in any active hash set (when the match stage has not
#: written ``account_material`` for the operation).
_FIRST_UPLOADS_SQL = """
WITH up AS (
  SELECT f.account_id AS account_id, f.ts AS ts, f.md5 AS md5, f.sha1 AS sha1,
         f.sha256 AS sha256, COALESCE(f.sha256, f.sha1, f.md5, f.pdq) AS k
  FROM file_event f JOIN account a ON a.id = f.account_id
  WHERE a.operation_id = :op AND f.direction = 'upload'
), firsts AS (
  SELECT k, MIN(ts) AS ts FROM up WHERE k IS NOT NULL GROUP BY k
)
SELECT up.account_id, COUNT(DISTINCT up.k)
FROM up JOIN firsts ON firsts.k = up.k AND firsts.ts = up.ts
WHERE NOT EXISTS (SELECT 1 FROM hash_entry h WHERE h.md5 = up.md5
                  AND h.retired_version IS NULL)
  AND NOT EXISTS (SELECT 1 FROM hash_entry h WHERE h.sha1 = up.sha1
                  AND h.retired_version IS NULL)
  AND NOT EXISTS (SELECT 1 FROM hash_entry h WHERE h.sha256 = up.sha256
                  AND h.retired_version IS NULL)
GROUP BY up.account_id
"""


@dataclass(frozen=True)
class NetworkSummary:
    subjects: int
    edges: int
    communities: int
    first_uploads_from: str  # "account_material" or "file_event"


def _subject_index(conn: Connection, op_id: int) -> tuple[list[int], dict[int, int]]:
    rows = conn.execute(
        text(
            "SELECT s.id, sa.account_id FROM subject s JOIN subject_account sa "
            "ON sa.subject_id = s.id WHERE s.operation_id = :op ORDER BY s.id"
        ),
        {"op": op_id},
    )
    subject_ids: list[int] = []
    index: dict[int, int] = {}
    position: dict[int, int] = {}
    for sid, account_id in rows:
        if sid not in position:
            position[sid] = len(subject_ids)
            subject_ids.append(int(sid))
        index[int(account_id)] = position[sid]
    return subject_ids, index


def _transfers(conn: Connection, op_id: int, index: dict[int, int]) -> Transfers:
    rows = list(raw_rows(conn, _TRANSFERS_SQL, op_id))
    empty = np.zeros(0, dtype=np.int64)
    if not rows or not index:
        return Transfers(empty, empty, empty, empty, empty)
    account, counterpart, download, count = (
        np.asarray(col, dtype=np.int64) for col in zip(*rows, strict=True)
    )
    ids = np.fromiter(index.keys(), dtype=np.int64, count=len(index))
    where = np.full(int(max(ids.max(), account.max(), counterpart.max())) + 1, -1, np.int64)
    where[ids] = np.fromiter(index.values(), dtype=np.int64, count=len(index))
    mine, theirs = where[account], where[counterpart]
    known = (mine >= 0) & (theirs >= 0)
    mine, theirs, down = mine[known], theirs[known], download[known].astype(bool)
    sender = np.where(down, theirs, mine)
    receiver = np.where(down, mine, theirs)
    return Transfers(sender, receiver, mine, counterpart[known], count[known])


def _first_uploads(conn: Connection, op_id: int) -> tuple[dict[int, int], str]:
    has_material = conn.execute(
        text("SELECT 1 FROM account_material WHERE operation_id = :op LIMIT 1"), {"op": op_id}
    ).first()
    if has_material is not None:
        rows = conn.execute(
            text(
                "SELECT account_id, first_uploads_unknown FROM account_material "
                "WHERE operation_id = :op AND first_uploads_unknown > 0"
            ),
            {"op": op_id},
        )
        return {int(a): int(n) for a, n in rows}, "account_material"
    rows = conn.execute(text(_FIRST_UPLOADS_SQL), {"op": op_id})
    return {int(a): int(n) for a, n in rows}, "file_event"


def _write(
    conn: Connection, op_id: int, subject_ids: list[int], m: NetworkMetrics, firsts: list[int]
) -> None:
    hub = m.hub_threshold()
    rows = (
        (
            sid,
            op_id,
            int(m.degree[i]),
            int(m.counterparts[i]),
            int(m.sent[i]),
            int(m.received[i]),
            None if m.community[i] < 0 else int(m.community[i]),
            json_text(m.roles(i, firsts[i], hub)),
        )
        for i, sid in enumerate(subject_ids)
    )
    cols = ("subject_id", "operation_id", "degree", "counterparts", "sent", "received")
    bulk_insert(conn, "subject_network", (*cols, "community", "roles"), rows)


def rebuild_network(conn: Connection, op_id: int) -> NetworkSummary:
    """Replace the operation's ``subject_network`` rows from its current subjects (and the
    assessments' copies of their roles)."""
    conn.execute(text("DELETE FROM subject_network WHERE operation_id = :op"), {"op": op_id})
    subject_ids, index = _subject_index(conn, op_id)
    metrics = network_metrics(len(subject_ids), _transfers(conn, op_id, index))
    by_account, source = _first_uploads(conn, op_id)
    firsts = [0] * len(subject_ids)
    for account_id, n in by_account.items():
        if account_id in index:
            firsts[index[account_id]] += n
    _write(conn, op_id, subject_ids, metrics, firsts)
    copy_roles(conn, op_id)  # the queue's role filter reads the assessments' copies
    communities = int(metrics.community.max()) if len(subject_ids) else 0
    return NetworkSummary(len(subject_ids), metrics.edges, max(communities, 0), source)
