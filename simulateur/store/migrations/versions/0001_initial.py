"""The tables of simulateur 0.1 (session/store.py schema 1 and exam/db.py), as they were.

A SQLite file made by that version already has them (some, if it predates the examens blancs):
only the missing ones are created, nothing is rewritten; the file's data is kept as is.

Revision ID: 0001
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def _tables() -> list[
    tuple[str, list[sa.Column[Any]], list[tuple[str, list[str]]]]
]:  # frozen: never edit, add a revision
    C, T, F, I, B = sa.Column, sa.Text, sa.Float, sa.Integer, sa.BigInteger
    return [
        (
            "attempts",
            [
                C("id", T, primary_key=True),
                C("scenario", T, nullable=False),
                C("title", T, nullable=False, server_default=""),
                C("referentiel", T, nullable=False, server_default=""),
                C("competences", T, nullable=False, server_default="[]"),
                C("seed", B, nullable=False),
                C("variant", T),
                C("candidate", T),
                C("mode", T, nullable=False),
                C("lab", T),
                C("attempt_dir", T),
                C("owner_pid", I),
                C("owner_start", F),
                C("status", T, nullable=False),
                C("started", F, nullable=False),
                C("submitted", F),
                C("duration", F),
                C("qualification", T),
                C("escalation", T),
                C("score_acquis", I),
                C("score_evalues", I),
                C("score_jury", I),
                C("scenario_json", T),
            ],
            [("attempts_started", ["started"])],
        ),
        (
            "fiche",
            [
                C("attempt", T, primary_key=True),
                C("field", T, primary_key=True),
                C("value", T, nullable=False),
                C("updated", F, nullable=False),
            ],
            [],
        ),
        (
            "criteria",
            [
                C("attempt", T, primary_key=True),
                C("position", I, nullable=False),
                C("criterion", T, primary_key=True),
                C("label", T, nullable=False),
                C("competence", T, nullable=False),
                C("competence_label", T, nullable=False),
                C("verdict", T, nullable=False),
                C("evidence", T, nullable=False),
            ],
            [],
        ),
        (
            "hints",
            [
                C("attempt", T, primary_key=True),
                C("idx", I, primary_key=True),
                C("text", T, nullable=False),
                C("t", F, nullable=False),
            ],
            [],
        ),
        (
            "exam_sessions",
            [C("id", T, primary_key=True), C("created", F, nullable=False), C("grp", T), C("spec", T, nullable=False)],
            [],
        ),
        (
            "exam_runs",
            [
                C("session", T, primary_key=True),
                C("ckey", T, primary_key=True),
                C("candidate", T, nullable=False),
                C("started", F, nullable=False),
                C("deadline", F, nullable=False),
                C("finished", F),
                C("watchdog_pid", I),
                C("watchdog_start", F),
            ],
            [],
        ),
        (
            "exam_items",
            [
                C("session", T, primary_key=True),
                C("ckey", T, primary_key=True),
                C("idx", I, primary_key=True),
                C("status", T, nullable=False),
                C("attempt", T),
                C("lab", T),
                C("started", F),
                C("ended", F),
                C("comment", T, nullable=False, server_default=""),
                C("note", T, nullable=False, server_default=""),
            ],
            [("exam_items_attempt", ["attempt"])],
        ),
        (
            "exam_jury",
            [
                C("session", T, primary_key=True),
                C("ckey", T, primary_key=True),
                C("idx", I, primary_key=True),
                C("criterion", T, primary_key=True),
                C("verdict", T, nullable=False),
                C("comment", T, nullable=False, server_default=""),
                C("t", F, nullable=False),
            ],
            [],
        ),
    ]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":  # what simulateur 0.1 checks: it can still read this file
        bind.exec_driver_sql("PRAGMA user_version = 1")
    have = set(sa.inspect(bind).get_table_names())
    for name, columns, indexes in _tables():
        if name in have:
            continue
        op.create_table(name, *columns)
        for index, cols in indexes:
            op.create_index(index, name, cols)
