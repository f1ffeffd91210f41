"""Every fact of an attempt in the store, once: the last check's probes and time beside its verdicts
(criteria, score), the qualification and escalation with their time. Until this revision the
command line kept them in files of the attempt's directory (attempt.json, qualification.json,
escalation.json, result.json), the app in both: those files are read once here, into the store,
and left where they are (nothing reads them any more). The journal, the kernel's record and the
terminal recordings stay files of the attempt's directory.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import context, op

revision = "0002"
down_revision = "0001"

_attempts = sa.table(
    "attempts",
    *(
        sa.column(c)
        for c in (
            "id",
            "scenario",
            "title",
            "referentiel",
            "competences",
            "seed",
            "candidate",
            "mode",
            "lab",
            "attempt_dir",
            "status",
            "started",
            "qualification",
            "escalation",
            "score_acquis",
            "score_evalues",
            "score_jury",
            "checked",
            "probes",
        )
    ),
)
_criteria = sa.table(
    "criteria",
    *(
        sa.column(c)
        for c in ("attempt", "position", "criterion", "label", "competence", "competence_label", "verdict", "evidence")
    ),
)


def upgrade() -> None:
    with op.batch_alter_table("attempts") as batch:
        batch.add_column(sa.Column("checked", sa.Float))
        batch.add_column(sa.Column("probes", sa.Text))
    root = context.config.attributes.get("attempts_root")
    if root is not None and Path(root).is_dir():
        for directory in sorted(Path(root).iterdir()):
            _import(op.get_bind(), directory)


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _import(conn: Any, directory: Path) -> None:
    info = _read(directory / "attempt.json")
    if not isinstance(info, dict) or info.get("id") != directory.name:
        return
    row = conn.execute(
        sa.select(_attempts.c.id, _attempts.c.qualification, _attempts.c.escalation, _attempts.c.checked).where(
            _attempts.c.id == directory.name
        )
    ).first()
    try:
        if row is None:
            conn.execute(
                _attempts.insert().values(
                    id=directory.name,
                    scenario=str(info["scenario"]),
                    title="",
                    referentiel="",
                    competences="[]",
                    seed=int(info["seed"]),
                    candidate=info.get("candidate"),
                    mode="entrainement",
                    lab=info.get("lab"),
                    attempt_dir=str(directory),
                    status="en_cours",
                    started=float(info["started"]),
                )
            )
    except (KeyError, TypeError, ValueError):
        return  # not an attempt this version can read: left alone
    values: dict[str, Any] = {}
    q, esc = _read(directory / "qualification.json"), _read(directory / "escalation.json")
    if isinstance(q, dict) and (row is None or row.qualification is None):
        values["qualification"] = json.dumps(q, ensure_ascii=False)
    if isinstance(esc, dict) and (row is None or row.escalation is None):
        values["escalation"] = json.dumps(esc, ensure_ascii=False)
    result = _read(directory / "result.json")
    if isinstance(result, dict) and (row is None or row.checked is None):
        try:
            crits = [
                (
                    str(c["id"]),
                    str(c["label"]),
                    str(c["competence"]),
                    str(c["competence_label"]),
                    str(c["verdict"]),
                    json.dumps(list(c["evidence"]), ensure_ascii=False),
                )
                for c in result["criteria"]
            ]
            score = result["score"]
            values.update(
                checked=float(result["t"]),
                probes=json.dumps(result.get("probes", []), ensure_ascii=False),
                score_acquis=int(score["acquis"]),
                score_evalues=int(score["evalues"]),
                score_jury=int(score["jury"]),
            )
        except (KeyError, TypeError, ValueError):
            crits = []
        if "checked" in values:
            have = conn.execute(
                sa.select(sa.func.count()).select_from(_criteria).where(_criteria.c.attempt == directory.name)
            ).scalar()
            if not have:
                conn.execute(
                    _criteria.insert(),
                    [
                        dict(
                            attempt=directory.name,
                            position=i,
                            criterion=c[0],
                            label=c[1],
                            competence=c[2],
                            competence_label=c[3],
                            verdict=c[4],
                            evidence=c[5],
                        )
                        for i, c in enumerate(crits)
                    ],
                )
            else:  # the app stored the submitted verdicts already: keep its score too
                for k in ("score_acquis", "score_evalues", "score_jury"):
                    values.pop(k)
    if values:
        conn.execute(_attempts.update().where(_attempts.c.id == directory.name).values(**values))
