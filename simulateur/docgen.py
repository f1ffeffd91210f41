"""Regenerates the documentation that is computed from the code and the scenario files:
docs/catalogue-actions-sondes.md (actions and probes) and the coverage table of README.md.

    .venv/bin/python -m simulateur.docgen          (or: make docs)
    .venv/bin/python -m simulateur.docgen --check  (exit 1 and name the stale files)

A unit test runs the check, so the docs cannot drift from the code."""

from __future__ import annotations

import sys
from pathlib import Path

from simulateur import coverage, vocabulary
from simulateur.paths import PACKAGE_DIR

ROOT = PACKAGE_DIR.parent
CATALOGUE_PAGE = Path("docs") / "catalogue-actions-sondes.md"
README = Path("README.md")
COMMAND = "make docs"


def generated(root: Path = ROOT) -> dict[Path, str]:
    """path (relative to the repository) → the content it must have."""
    from simulateur.scenario.loader import load_catalogue

    shipped = load_catalogue(root / "scenarios")  # shipped scenarios only, never a trainer's folder
    readme = (root / README).read_text(encoding="utf-8")
    return {
        CATALOGUE_PAGE: vocabulary.render_markdown(),
        README: coverage.replace_in(readme, coverage.render_markdown(shipped)),
    }


def stale(root: Path = ROOT) -> list[Path]:
    out = []
    for rel, text in generated(root).items():
        path = root / rel
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            out.append(rel)
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if "--check" in args:
        late = stale()
        for rel in late:
            print(f"{rel} : périmé — régénérez-le avec « {COMMAND} »", file=sys.stderr)
        return 1 if late else 0
    for rel, text in generated().items():
        path = ROOT / rel
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"{rel} : régénéré")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
