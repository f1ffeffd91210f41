"""The questionnaire of an examen blanc: which questionnaire is a session's candidate's (taken in
the centre's browser pages), and who of the jury marked an open answer.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"


def upgrade() -> None:
    op.create_table(
        "exam_quizzes",
        sa.Column("session", sa.Text, primary_key=True),
        sa.Column("ckey", sa.Text, primary_key=True),
        sa.Column("candidate", sa.Text, nullable=False),
        sa.Column("run", sa.Text, nullable=False, unique=True),
    )
    with op.batch_alter_table("quiz_marks") as batch:
        batch.add_column(sa.Column("by", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("quiz_marks") as batch:
        batch.drop_column("by")
    op.drop_table("exam_quizzes")
