"""the triage queue's index in priority order

The model declares ``ix_assessment_queue`` with ``score DESC``; Alembic's autogenerate skips
expression indexes, so it is created here rather than in the regenerated 0001.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS: list[str | sa.TextClause] = ["operation_id", "tier", sa.text("score DESC"), "subject_id"]


def upgrade() -> None:
    op.create_index("ix_assessment_queue", "assessment", _COLUMNS, unique=False)


def downgrade() -> None:
    op.drop_index("ix_assessment_queue", table_name="assessment")
