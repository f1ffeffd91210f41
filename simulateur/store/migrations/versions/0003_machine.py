"""The machine (and boot) of every stored PID: an attempt's owner, an exam's watchdog. Several lab
machines share a centre's PostgreSQL; a PID is only meaningful on the machine that recorded it, so
orphans and dead watchdogs are judged by their own machine only (simulateur.store.machine). Rows
already there keep no machine: read as the migrating machine's (a SQLite store is one machine's).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    with op.batch_alter_table("attempts") as batch:
        batch.add_column(sa.Column("owner_machine", sa.Text))
    with op.batch_alter_table("exam_runs") as batch:
        batch.add_column(sa.Column("watchdog_machine", sa.Text))
