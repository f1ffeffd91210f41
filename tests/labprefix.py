"""Lab-id prefixes of the test suite, and the labs a test session leaves behind.

Tests never take a trainee's ids (lab1…): integration tests use "t" (t1, t2…), the isolation tests
"s", the security tests (tests/security) "c", the app's tests "ui". Under pytest-xdist (`make test`)
every worker gets prefixes of its own — the base's first letter and the worker's letter: gw0 → ta,
sa, ca, ua; gw1 → tb, sb, cb, ub… — so that a lab one worker stops, or one it breaks on purpose and
another worker's start reaps, never comes back under the same id as another worker's lab. Ids stay
three characters long (ua1 as ui1: the app's snapshots expect it) for the first 26 workers; a worker
number beyond (gw26…, given by hand to keep one person's serial run apart) gets two letters (gw26 →
tba), ids then one character longer."""

from __future__ import annotations

import os
import re
import string
import time
from pathlib import Path

BASES = ("t", "s", "c", "ui")


def worker_letter() -> str | None:
    """This xdist worker's letter (gw0 → a; gw26 → ba), None in a serial run."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not re.fullmatch(r"gw\d+", worker):
        return None
    n = int(worker[2:])
    letters = string.ascii_lowercase
    assert n < len(letters) * (len(letters) + 1), f"numéro de processus pytest-xdist trop grand ({worker})"
    return letters[n] if n < len(letters) else letters[n // len(letters)] + letters[n % len(letters)]


def lab_prefix(base: str) -> str:
    """The prefix of this process's labs for `base` ("t", "s", "c" or "ui")."""
    letter = worker_letter()
    return base if letter is None else base[0] + letter


def session_labs(basetemp: Path, since: float) -> list[str]:
    """Labs of this test session still on the machine: those whose attempt lives in this session's
    temporary folder (every test's SIMULATEUR_DATA is there), and those without an attempt (a lab
    built directly, a self-test's) that carry one of this process's prefixes and were created since
    the session began. Another session's labs — even with the same prefixes — are never listed."""
    from simulateur.lab.state import list_lab_ids, load_state

    mine = re.compile("^(?:" + "|".join(lab_prefix(b) for b in BASES) + r")\d+$")
    base = basetemp.resolve()
    found = []
    for lab in list_lab_ids():
        try:
            state = load_state(lab)
        except Exception:  # noqa: BLE001 — gone meanwhile, or a dead lab's state: `simulateur clean` is for those
            continue
        if state.attempt_dir:
            ours = Path(state.attempt_dir).resolve().is_relative_to(base)
        else:
            ours = bool(mine.match(lab)) and since <= state.created <= time.time()
        if ours:
            found.append(lab)
    return found
