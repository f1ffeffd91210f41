"""The entretien technique: each candidate's guide d'entretien and the jury's marks on it.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    op.create_table(
        "entretien_guides",
        sa.Column("session", sa.Text, primary_key=True),
        sa.Column("ckey", sa.Text, primary_key=True),
        sa.Column("candidate", sa.Text, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("guide", sa.Text, nullable=False),
    )
    op.create_table(
        "entretien_marks",
        sa.Column("session", sa.Text, primary_key=True),
        sa.Column("ckey", sa.Text, primary_key=True),
        sa.Column("question", sa.Text, primary_key=True),
        sa.Column("verdict", sa.Text, nullable=False),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.Column("by", sa.Text, nullable=False, server_default=""),
        sa.Column("t", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("entretien_marks")
    op.drop_table("entretien_guides")
