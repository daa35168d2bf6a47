"""the triage queue filters on copies of the subject's attribution (force, ROCU,
confidence) on the assessment row, and walks a force's own index

A filter by force joined every walked assessment to its attribution, so a force's page read
about 45 times as many rows as it showed (15-30 ms at 100,000 subjects); overridden subjects
(about one in a hundred) were found by walking the whole queue. ``ix_assessment_queue_force``
leads with the force so no other query can take it; ``ix_assessment_queue_overridden`` is
partial (only overridden rows). Existing rows get their copies here; the attribute and assess
stages keep them current.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_IN_FORCE: list[str | sa.TextClause] = [
    sa.text("coalesce(override_tier, tier)"),
    sa.text("score DESC"),
    "subject_label",
]
_OVERRIDDEN = sa.text("override_tier IS NOT NULL")
_COPY = """
UPDATE assessment SET
  queue_force_id = (SELECT a.force_id FROM attribution a
                    WHERE a.operation_id = assessment.operation_id
                      AND a.subject_id = assessment.subject_id),
  queue_rocu = (SELECT lower(a.rocu) FROM attribution a
                WHERE a.operation_id = assessment.operation_id
                  AND a.subject_id = assessment.subject_id),
  queue_confidence = (SELECT a.confidence FROM attribution a
                      WHERE a.operation_id = assessment.operation_id
                        AND a.subject_id = assessment.subject_id)
"""


def upgrade() -> None:
    with op.batch_alter_table("assessment") as batch:
        batch.add_column(sa.Column("queue_force_id", sa.String(60), nullable=True))
        batch.add_column(sa.Column("queue_rocu", sa.String(80), nullable=True))
        batch.add_column(sa.Column("queue_confidence", sa.String(10), nullable=True))
    op.execute(_COPY)
    op.create_index(
        "ix_assessment_queue_force",
        "assessment",
        ["queue_force_id", "operation_id", *_IN_FORCE, "subject_id"],
    )
    op.create_index(
        "ix_assessment_queue_overridden",
        "assessment",
        ["operation_id", *_IN_FORCE],
        sqlite_where=_OVERRIDDEN,
        postgresql_where=_OVERRIDDEN,
    )


def downgrade() -> None:
    op.drop_index("ix_assessment_queue_overridden", table_name="assessment")
    op.drop_index("ix_assessment_queue_force", table_name="assessment")
    with op.batch_alter_table("assessment") as batch:
        batch.drop_column("queue_confidence")
        batch.drop_column("queue_rocu")
        batch.drop_column("queue_force_id")
