"""web jobs record the server process that runs them (``host:pid``)

With several web workers, each runs the jobs it was given: a worker starting up must mark
interrupted only the jobs of a process that is gone, not those another worker is running.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("web_job") as batch:
        batch.add_column(sa.Column("runner", sa.String(120), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("web_job") as batch:
        batch.drop_column("runner")
