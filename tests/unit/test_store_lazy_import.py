"""SQLAlchemy is imported only by what opens the store: a command that does not touch it (list,
exec, shell, cable, replay…) does not pay its import (~0.2 s per process on this machine, README
« Le magasin »)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CODE = """
import contextlib, io, sys
import simulateur.cli, simulateur.session.run, simulateur.session.attempt, simulateur.session.cabling
import simulateur.journal.replay, simulateur.lab.reaper, simulateur.store, simulateur.store.machine
with contextlib.redirect_stdout(io.StringIO()):
    simulateur.cli.main(["list"])
    with contextlib.suppress(SystemExit):
        simulateur.cli.main(["--help"])
print(sorted(m for m in sys.modules if m.split(".")[0] in ("sqlalchemy", "alembic", "psycopg")
             or m in ("simulateur.session.store", "simulateur.exam.db", "simulateur.store.schema")))
"""


def test_commands_that_do_not_open_the_store_do_not_import_sqlalchemy(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]", proc.stdout


def test_opening_the_store_imports_it(tmp_path: Path) -> None:
    """The other side: the same check sees SQLAlchemy when the store is opened (the test can fail)."""
    code = CODE.replace('simulateur.cli.main(["list"])', 'simulateur.cli.main(["attempts"])')
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "sqlalchemy" in proc.stdout and "simulateur.session.store" in proc.stdout
