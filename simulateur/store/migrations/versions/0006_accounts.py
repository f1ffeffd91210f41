"""The network API: trainer and jury accounts (argon2id hashes), bearer tokens (SHA-256 only),
candidates' codes for the browser (SHA-256 only).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("login", sa.Text, primary_key=True),
        sa.Column("roles", sa.Text, nullable=False),
        sa.Column("hash", sa.Text, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("changed", sa.Float, nullable=False),
    )
    op.create_table(
        "api_tokens",
        sa.Column("digest", sa.Text, primary_key=True),
        sa.Column("login", sa.Text, nullable=False),
        sa.Column("roles", sa.Text, nullable=False),
        sa.Column("session", sa.Text),
        sa.Column("candidate", sa.Text),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("expires", sa.Float, nullable=False),
        sa.Column("address", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("api_tokens_login", "api_tokens", ["login"])
    op.create_table(
        "exam_codes",
        sa.Column("session", sa.Text, primary_key=True),
        sa.Column("ckey", sa.Text, primary_key=True),
        sa.Column("digest", sa.Text, nullable=False, unique=True),
        sa.Column("created", sa.Float, nullable=False),
    )
