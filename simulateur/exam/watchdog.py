"""The watchdog of one candidate's run: `python -m simulateur.exam.watchdog SESSION CANDIDATE`.

Started by `start_candidate`; it detaches (double fork, its own session), records its own PID
with its start time, sleeps until the deadline, then scores the lab as it is at that moment,
stops it and marks what was not started « non traitée ». It exits as soon as the run is over
(all handed in, ended early, or expired): nobody needs to kill it, and nobody kills it by name.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage : python -m simulateur.exam.watchdog SESSION CANDIDAT", file=sys.stderr)
        return 2
    if os.fork() > 0:  # the launcher returns at once; the watchdog is re-parented to init
        os._exit(0)
    os.setsid()

    import time
    import traceback

    from simulateur.exam import core
    from simulateur.exam.db import ExamDB
    from simulateur.store.machine import process_start

    session_id, candidate = argv
    db = ExamDB()
    me = os.getpid()
    db.set_watchdog(session_id, candidate, me, process_start(me))
    failures = 0
    while True:
        run = db.run(session_id, candidate)
        if run is None or run.finished is not None:
            return 0
        remaining = run.deadline - time.time()
        if remaining > 0 or run.paused is not None:  # paused: her deadline moves at resume
            time.sleep(min(remaining, 1.0))
            continue
        try:
            core.expire(db, session_id, candidate)
        except Exception:  # noqa: BLE001 — logged, retried: the time-out must happen
            failures += 1
            print(time.strftime("%Y-%m-%d %H:%M:%S"), session_id, candidate, file=sys.stderr)
            traceback.print_exc()
            if failures >= 5:
                return 1
            time.sleep(2)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
