"""Several lab machines on one store: the running services (`lab_machines`: name, machine and boot,
lab prefix, capacity, heartbeat) and where each candidate's examen runs (`exam_placements`).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table(
        "lab_machines",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("machine", sa.Text, nullable=False),
        sa.Column("prefix", sa.Text, nullable=False),
        sa.Column("socket", sa.Text, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("started", sa.Float, nullable=False),
        sa.Column("heartbeat", sa.Float, nullable=False),
    )
    op.create_table(
        "exam_placements",
        sa.Column("session", sa.Text, primary_key=True),
        sa.Column("ckey", sa.Text, primary_key=True),
        sa.Column("machine", sa.Text, nullable=False),
        sa.Column("t", sa.Float, nullable=False),
    )
    op.create_index("exam_placements_machine", "exam_placements", ["machine"])
