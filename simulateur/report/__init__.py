"""Reports a trainer keeps: one candidate's examen blanc (or one attempt) as the RC's grid
(CCP → compétences → critères, modality), with evidence, sources, times and fiches;
exported as self-contained HTML (printable), JSON and Markdown."""

from __future__ import annotations

from pathlib import Path

from simulateur.report.model import Report

FORMATS = ("html", "json", "md")


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        return report.model_dump_json(indent=2)
    if fmt == "md":
        from simulateur.report.markdown import to_markdown

        return to_markdown(report)
    if fmt == "html":
        from simulateur.report.html import to_html

        return to_html(report)
    raise ValueError(fmt)


def write(report: Report, fmt: str, path: Path) -> Path:
    """Write atomically (a reader never sees half a report)."""
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(render(report, fmt), encoding="utf-8")
    os.replace(tmp, path)
    return path
