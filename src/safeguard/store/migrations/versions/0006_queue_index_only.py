"""on PostgreSQL the queue's walks are index-only scans: the in-force and force indexes carry
the assessment's id and the columns of the tier expression

PostgreSQL fetched the heap row of every assessment a page walked past (an index scan, not
an index-only one): a page 5,000 deep read 5,050 rows, 57 ms cold. Its planner takes an
index-only scan only when every column the query needs is in the index, the columns under
an expression included, so both indexes gain ``INCLUDE (id, override_tier, tier)``; and it
skips the heap only for pages VACUUM has marked all-visible (``Store.analyze`` now vacuums
the assessments). SQLite's indexes already carry the row id; nothing changes there.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_IN_FORCE: list[str | sa.TextClause] = [
    "operation_id",
    sa.text("coalesce(override_tier, tier)"),
    sa.text("score DESC"),
    "subject_label",
    "subject_id",
]
_INDEXES = {
    "ix_assessment_queue_in_force": _IN_FORCE,
    "ix_assessment_queue_force": ["queue_force_id", *_IN_FORCE],
}
_INCLUDE = ["id", "override_tier", "tier"]


def _recreate(include: list[str]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, columns in _INDEXES.items():
        op.drop_index(name, table_name="assessment")
        op.create_index(name, "assessment", columns, postgresql_include=include)


def upgrade() -> None:
    _recreate(_INCLUDE)


def downgrade() -> None:
    _recreate([])
