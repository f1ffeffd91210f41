"""A trainee's self-assessment of the criteria a jury judges, after a training attempt.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.create_table(
        "self_marks",
        sa.Column("attempt", sa.Text, primary_key=True),
        sa.Column("criterion", sa.Text, primary_key=True),
        sa.Column("verdict", sa.Text, nullable=False),
        sa.Column("t", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("self_marks")
