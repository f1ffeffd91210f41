"""`simulateur exec` on a VM host: run one command line through the guest's control agent, print
its output and errors, exit with its code (run as a separate process, like nsenter for the others)."""

from __future__ import annotations

import sys
from pathlib import Path

from simulateur.vm.agent import run_script

TIMEOUT = 120.0


def main(argv: list[str]) -> int:
    sock, lock, script = argv
    res = run_script(Path(sock), Path(lock), script, TIMEOUT)
    sys.stdout.write(res.stdout)
    sys.stdout.flush()
    sys.stderr.write(res.stderr)
    return res.returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
