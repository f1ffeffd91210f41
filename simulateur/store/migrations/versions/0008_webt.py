"""A candidate's run may be paused by the trainer: since when (None: running). Her deadline moves
by the paused time at resume (simulateur.exam.core.pause / resume).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    with op.batch_alter_table("exam_runs") as batch:
        batch.add_column(sa.Column("paused", sa.Float, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("exam_runs") as batch:
        batch.drop_column("paused")
