"""The exam's documents written from the app: a candidate's report (three formats) and a group's CSV."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from simulateur.exam import core
from simulateur.exam.db import ExamDB
from simulateur.paths import data_dir


def reports_dir() -> Path:
    return data_dir() / "rapports"


def slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-zA-Z0-9]+", "-", plain).strip("-").lower() or "candidat"


def export_reports(db: ExamDB, session_id: str, candidate: str, folder: Path | None = None) -> list[Path]:
    """The candidate's report in the three formats, side by side."""
    from simulateur import report
    from simulateur.report.model import exam_report

    rep = exam_report(session_id, candidate, db)
    folder = folder or reports_dir()
    return [report.write(rep, fmt, folder / f"{session_id}-{slug(candidate)}.{fmt}") for fmt in report.FORMATS]


def export_group(db: ExamDB, session_id: str, folder: Path | None = None) -> Path:
    from simulateur.exam import export

    session = core.get_session(db, session_id)
    rows = export.rows(db, group=session.group) if session.group else export.rows(db, session=session.id)
    name = slug(session.group) if session.group else session.id
    return export.write_csv((folder or reports_dir()) / f"suivi-{name}.csv", rows)
