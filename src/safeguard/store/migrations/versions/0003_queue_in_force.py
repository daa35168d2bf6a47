"""the triage queue's index: tier in force (an analyst's override, else the computed tier),
score descending, label

Replaces ``ix_assessment_queue`` (computed tier only, no label): the queue orders by the tier
in force and breaks ties by label, so a page is a walk along this index that reads no other
row until the page is known; ``ix_assessment_queue_score`` does the same for the queue
sorted by score (the one sorted by label is plain, in 0001). Alembic's autogenerate skips expression indexes, so it is
created here rather than in the regenerated 0001.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS: list[str | sa.TextClause] = [
    "operation_id",
    sa.text("coalesce(override_tier, tier)"),
    sa.text("score DESC"),
    "subject_label",
    "subject_id",
]
_SCORE: list[str | sa.TextClause] = ["operation_id", sa.text("score DESC"), "subject_label"]
_OLD: list[str | sa.TextClause] = ["operation_id", "tier", sa.text("score DESC"), "subject_id"]


def upgrade() -> None:
    op.drop_index("ix_assessment_queue", table_name="assessment")
    op.create_index("ix_assessment_queue_in_force", "assessment", _COLUMNS, unique=False)
    op.create_index("ix_assessment_queue_score", "assessment", _SCORE, unique=False)


def downgrade() -> None:
    op.drop_index("ix_assessment_queue_score", table_name="assessment")
    op.drop_index("ix_assessment_queue_in_force", table_name="assessment")
    op.create_index("ix_assessment_queue", "assessment", _OLD, unique=False)
