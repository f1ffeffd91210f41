"""All the reports of a session in one zip: one self-contained HTML page per candidate, and
the same as PDF when Debian's chromium prints it (`chromium --headless --print-to-pdf`); a PDF
that does not look like one (no « %PDF- » head, no « %%EOF » end) is left out and said why."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from simulateur.errors import UsageError
from simulateur.i18n import tr

PDF_TIMEOUT = 90.0


@dataclass
class Bundle:
    data: bytes
    html: list[str] = field(default_factory=list)
    pdf: list[str] = field(default_factory=list)
    problem: str = ""  # why some or all PDFs are missing


def chromium() -> str | None:
    return shutil.which(os.environ.get("SIMULATEUR_CHROMIUM", "chromium")) or shutil.which("chromium")


def file_name(session: str, candidate: str) -> str:
    """rapport-eb1-alice-martin: ASCII, no space (any unzip, any OS)."""
    ascii_name = unicodedata.normalize("NFKD", candidate).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower() or "candidat"
    return f"rapport-{session}-{slug}"


def looks_like_pdf(data: bytes) -> bool:
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]


def to_pdf(html: str, candidate: str, work: Path) -> bytes:
    """chromium's print of the page (no network: the page is self-contained), or UsageError."""
    exe = chromium()
    if exe is None:
        raise UsageError(tr("report.pdf_no_chromium"))
    page, out = work / "page.html", work / "page.pdf"
    page.write_text(html, encoding="utf-8")
    out.unlink(missing_ok=True)
    argv = [
        exe,
        "--headless",
        "--disable-gpu",
        "--no-first-run",
        "--no-pdf-header-footer",
        f"--user-data-dir={work / 'profil'}",
        f"--print-to-pdf={out}",
        page.as_uri(),
    ]
    if os.geteuid() == 0:
        argv.insert(1, "--no-sandbox")  # chromium refuses root with its sandbox
    try:
        proc = subprocess.run(
            argv,
            capture_output=True,
            timeout=PDF_TIMEOUT,
            env={**os.environ, "HOME": str(work)},
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise UsageError(tr("report.pdf_failed", candidate=candidate, why=f"> {PDF_TIMEOUT:g} s")) from None
    data = out.read_bytes() if out.exists() else b""
    if not looks_like_pdf(data):
        why = (proc.stderr.decode(errors="replace").strip().splitlines() or [f"code {proc.returncode}"])[-1]
        raise UsageError(tr("report.pdf_failed", candidate=candidate, why=why[:200]))
    return data


def session_bundle(session_id: str, db: object | None = None, *, pdf: bool = True) -> Bundle:
    """Every candidate who started in the session: her report as HTML (and PDF)."""
    from simulateur.exam import core
    from simulateur.exam.db import ExamDB
    from simulateur.report.html import to_html
    from simulateur.report.model import exam_report

    exam_db = db if isinstance(db, ExamDB) else ExamDB()
    session = core.get_session(exam_db, session_id)
    runs = exam_db.runs(session.id)
    if not runs:
        raise UsageError(tr("report.all_none", id=session.id))
    buf = BytesIO()
    out = Bundle(b"")
    with (
        tempfile.TemporaryDirectory(prefix="simulateur-pdf-") as tmp,
        zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf,
    ):
        for run in sorted(runs, key=lambda r: r.candidate.casefold()):
            html = to_html(exam_report(session.id, run.candidate, exam_db))
            name = file_name(session.id, run.candidate)
            zf.writestr(f"{name}.html", html)
            out.html.append(f"{name}.html")
            if not pdf or out.problem:
                continue
            try:
                zf.writestr(f"{name}.pdf", to_pdf(html, run.candidate, Path(tmp)))
                out.pdf.append(f"{name}.pdf")
            except UsageError as exc:
                out.problem = str(exc)
    out.data = buf.getvalue()
    return out
