"""The jury's grid: who marked each criterion (a second jury member sees it instead of
overwriting), and the signed grids (a signed grid takes no more marks nor comments).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    with op.batch_alter_table("exam_jury") as batch:
        batch.add_column(sa.Column("by", sa.Text, nullable=False, server_default=""))
    op.create_table(
        "exam_signatures",
        sa.Column("session", sa.Text, primary_key=True),
        sa.Column("ckey", sa.Text, primary_key=True),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("t", sa.Float, nullable=False),
    )
