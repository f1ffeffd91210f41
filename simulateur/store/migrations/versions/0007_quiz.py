"""The questionnaire professionnel: candidates' questionnaires, their answers, the jury's marks of
open answers.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.create_table(
        "quiz_runs",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("candidate", sa.Text, nullable=False, server_default=""),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("minutes", sa.Integer, nullable=False),
        sa.Column("started", sa.Float, nullable=False),
        sa.Column("deadline", sa.Float, nullable=False),
        sa.Column("submitted", sa.Float),
        sa.Column("questions", sa.Text, nullable=False),
    )
    op.create_index("quiz_runs_started", "quiz_runs", ["started"])
    op.create_table(
        "quiz_answers",
        sa.Column("run", sa.Text, primary_key=True),
        sa.Column("question", sa.Text, primary_key=True),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("t", sa.Float, nullable=False),
    )
    op.create_table(
        "quiz_marks",
        sa.Column("run", sa.Text, primary_key=True),
        sa.Column("question", sa.Text, primary_key=True),
        sa.Column("points", sa.Float, nullable=False),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
        sa.Column("t", sa.Float, nullable=False),
    )
