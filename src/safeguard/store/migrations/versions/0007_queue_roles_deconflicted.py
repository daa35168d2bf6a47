"""the triage queue filters by network role on a copy of the subject's roles on the
assessment row, and walks the deconflicted subjects' own index

A role filter probed ``subject_network`` for every assessment a page walked past, and
PostgreSQL, which cannot estimate a pattern on the roles document, read every networked
subject with the role and sorted them instead: 44 ms a page at 100,000 subjects (9 ms on
SQLite), against 5 ms for the rest of the queue's filters. ``queue_roles`` holds the roles'
JSON text (NULL: the subject is not in the network); the network's rebuild and the assess
stage keep it current (``assess.queue.copy_roles``). Existing rows get their copies here.

The subjects known to a force's register are a few in a hundred: a page of them walked
most of the queue. ``ix_assessment_queue_deconflicted`` is partial (only their rows), on
the same term the queue's filter writes (``deconfliction != '[]'``).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_IN_FORCE: list[str | sa.TextClause] = [
    sa.text("coalesce(override_tier, tier)"),
    sa.text("score DESC"),
    "subject_label",
]
_DECONFLICTED = sa.text("deconfliction != '[]'")
_COPY = """
UPDATE assessment SET
  queue_roles = (SELECT CAST(n.roles AS TEXT) FROM subject_network n
                 WHERE n.subject_id = assessment.subject_id)
"""


def upgrade() -> None:
    with op.batch_alter_table("assessment") as batch:
        batch.add_column(sa.Column("queue_roles", sa.Text(), nullable=True))
    op.execute(_COPY)
    op.create_index(
        "ix_assessment_queue_deconflicted",
        "assessment",
        ["operation_id", *_IN_FORCE],
        sqlite_where=_DECONFLICTED,
        postgresql_where=_DECONFLICTED,
    )


def downgrade() -> None:
    op.drop_index("ix_assessment_queue_deconflicted", table_name="assessment")
    with op.batch_alter_table("assessment") as batch:
        batch.drop_column("queue_roles")
