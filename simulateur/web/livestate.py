"""What the live session page shows, read from the store and the labs (no command run): per
candidate and intervention her machine, state, deadline, last activity (her journal's last
command), her lab's health (running, frozen, gone), the last check's probes, her commands.

One snapshot per session at most every REFRESH seconds, shared by every browser watching it
(`Snapshots`): four jury browsers on 16 candidates read the store once, not four times.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from simulateur.exam.db import ExamDB, candidate_key
from simulateur.i18n import tr

REFRESH = 0.2  # seconds a snapshot is reused
TIMELINE = 40  # commands shown per intervention (the last ones)


def _health(lab: str | None) -> str:
    """« running », « frozen » (kept for the jury, or paused), « gone » (stopped, or never built)."""
    from simulateur.errors import SimError
    from simulateur.lab import cgroups
    from simulateur.lab.state import load_state

    if not lab:
        return "gone"
    try:
        load_state(lab)
    except SimError:
        return "gone"
    return "frozen" if cgroups.frozen(lab) else "running"


def _journal(attempt: str | None) -> list[dict[str, Any]]:
    from simulateur.journal.replay import attempt_dir
    from simulateur.journal.store import Journal

    if not attempt:
        return []
    try:
        directory = attempt_dir(attempt)
    except Exception:  # noqa: BLE001 — an attempt gone: no journal to show
        return []
    entries = Journal(Path(directory) / "journal.jsonl").reported()
    return [{"t": e.t, "host": e.host, "cmd": e.cmd[:200], "rc": e.rc} for e in entries[-TIMELINE:]]


def _probes(db: ExamDB, attempt: str | None) -> dict[str, Any] | None:
    if not attempt:
        return None
    result = db.store.result(attempt)
    if result is None:
        return None
    return {
        "t": result.t,
        "probes": [
            {"id": p.id, "ok": p.ok, "observed": p.observed[:200], "expected": p.expected[:200]} for p in result.probes
        ],
    }


def snapshot(db: ExamDB, session_id: str) -> dict[str, Any] | None:
    """The session's live state (None: no such session). Times are epoch seconds."""
    from simulateur.exam.draw import for_candidate
    from simulateur.exam.machines import Machines
    from simulateur.report.model import STATUS_LABELS

    session = db.session(session_id)
    if session is None:
        return None
    runs = {candidate_key(r.candidate): r for r in db.runs(session.id)}
    placed = {k: m for (_, k), m in Machines(db).placements(session.id).items()}
    names = list(session.roster) + [
        r.candidate for k, r in runs.items() if not any(candidate_key(n) == k for n in session.roster)
    ]
    rows = []
    for name in names:
        key = candidate_key(name)
        run = runs.get(key)
        drawn = for_candidate(session, name)
        row: dict[str, Any] = {
            "name": name,
            "machine": placed.get(key) or session.machine_of(name) or "",
            "extra": session.extra_of(name) or "",
            "started": run is not None,
            "deadline": run.deadline if run else None,
            "paused": run.paused if run else None,
            "finished": run.finished if run else None,
            "last": None,
            "items": [],
        }
        if run is None:
            row["state"] = tr("web.live.not_started")
        elif run.finished is not None:
            row["state"] = tr("web.live.finished")
        elif run.paused is not None:
            row["state"] = tr("web.live.paused")
        else:
            current = run.current()
            row["state"] = (
                tr("web.live.working", index=current.index, n=len(run.items)) if current else tr("web.live.between")
            )
        for item in run.items if run else []:
            iv = drawn[item.index - 1] if item.index - 1 < len(drawn) else None
            journal = _journal(item.attempt) if item.status != "a_faire" else []
            if journal:
                row["last"] = max(row["last"] or 0.0, journal[-1]["t"])
            row["items"].append(
                {
                    "index": item.index,
                    "title": iv.title if iv else "",
                    "status": STATUS_LABELS[item.status],
                    "current": item.status == "en_cours",
                    "lab": item.lab or "",
                    "health": _health(item.lab)
                    if item.status == "en_cours" or (item.lab and item.status != "a_faire" and run and run.finished)
                    else "",
                    "started": item.started,
                    "ended": item.ended,
                    "note": item.note,
                    "probes": _probes(db, item.attempt) if item.status != "a_faire" else None,
                    "journal": journal,
                }
            )
        rows.append(row)
    return {
        "id": session.id,
        "group": session.group or "",
        "minutes": session.minutes,
        "count": session.count,
        "candidates": rows,
    }


class Snapshots:
    """The last snapshot of each session, recomputed at most every REFRESH seconds (one at a time)."""

    def __init__(self, db: ExamDB) -> None:
        self.db = db
        self.lock = threading.Lock()
        self.cache: dict[str, tuple[float, dict[str, Any] | None]] = {}

    def get(self, session_id: str) -> dict[str, Any] | None:
        with self.lock:
            hit = self.cache.get(session_id)
            if hit is not None and time.monotonic() - hit[0] < REFRESH:
                return hit[1]
            snap = snapshot(self.db, session_id)
            self.cache[session_id] = (time.monotonic(), snap)
            if len(self.cache) > 64:
                self.cache.pop(next(iter(self.cache)))
            return snap
