"""The épreuve blanche complète: one row per candidate's épreuve, its phases' state as JSON.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"


def upgrade() -> None:
    op.create_table(
        "epreuves",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("candidate", sa.Text, nullable=False),
        sa.Column("format", sa.Text, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("epreuves")
