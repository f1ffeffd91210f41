"""A throwaway PostgreSQL cluster for the tests: Debian's postgresql binaries, initdb in a temp
dir (as user postgres when we are root: initdb refuses root), a free port, a Unix socket in that
dir and no TCP listener; stopped and removed at the end of the session. Each test gets a database
of its own."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _bindir() -> Path:
    """Debian's server binaries: the newest major version installed (15 on Debian 12)."""
    if os.environ.get("SIMULATEUR_PG_BINDIR"):
        return Path(os.environ["SIMULATEUR_PG_BINDIR"])
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


BINDIR = _bindir()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    def __init__(self) -> None:
        if not (BINDIR / "initdb").exists():
            raise RuntimeError(f"PostgreSQL absent ({BINDIR}/initdb) : « make test » installe le paquet postgresql")
        self.dir = Path(tempfile.mkdtemp(prefix="simulateur-pg-"))
        self.data, self.port = self.dir / "data", _free_port()
        self._user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.dir.chmod(0o700)
        self._names = itertools.count(1)

    def _run(self, *argv: str) -> None:
        proc = subprocess.run([*self._user, *argv], capture_output=True, text=True, cwd=self.dir)
        if proc.returncode:
            raise RuntimeError(f"{argv[0]} : {proc.stderr.strip() or proc.stdout.strip()}")

    def start(self) -> Cluster:
        self._run(
            str(BINDIR / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        self._start()
        return self

    def _start(self) -> None:
        self._run(
            str(BINDIR / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.dir / "log"),
            "-w",
            "-t",
            "60",
            "-o",
            f"-k {self.dir} -p {self.port} -c listen_addresses='' -c fsync=off -c full_page_writes=off",
            "start",
        )

    def pause(self) -> None:
        """The server stopped (its clients disconnected), its data kept: a database restarted mid-exam."""
        self._run(str(BINDIR / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def resume(self) -> None:
        """The same server back, on the same socket."""
        self._start()

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def stop(self) -> None:
        try:
            self._run(str(BINDIR / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.dir}&port={self.port}"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        import psycopg

        name = f"t{next(self._names)}"
        with psycopg.connect(
            host=str(self.dir), port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)


def cluster() -> Iterator[Cluster]:
    c = Cluster().start()
    try:
        yield c
    finally:
        c.stop()
