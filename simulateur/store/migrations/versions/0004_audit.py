"""The audit of `simulateur serve`: every request (who, when, what, outcome) and what the service
did on its own (a deadline held, a restart).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "exam_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("t", sa.Float, nullable=False),
        sa.Column("uid", sa.Integer, nullable=False),
        sa.Column("login", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("verb", sa.Text, nullable=False),
        sa.Column("session", sa.Text),
        sa.Column("candidate", sa.Text),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.Column("outcome", sa.Text, nullable=False),
    )
    op.create_index("exam_audit_session", "exam_audit", ["session", "t"])
