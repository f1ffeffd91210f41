"""The service: accept requests on the Unix socket, identify the peer by the kernel's word,
decide (roles.py), run what is allowed in a worker on the client's terminal, hold every run's
deadline, audit everything in the store.

Deadlines: one keeper thread wakes at the next deadline of any unfinished run (or every second,
for runs started meanwhile). At a deadline the run is frozen at once — its exec and shell
workers are killed, every new request on its lab refused — then its lab is scored as it is and
kept frozen (exam.core.expire under the run's lock: a submission racing it scores once; run in a
worker process, `exam expire`: a crash while scoring is never the service's). Nothing a candidate
runs is in the way: her processes are the service's children, not her own.

A restarted service (crash, reboot of the service, not of the machine) takes back the unfinished
runs from the store: their timers go on, and a deadline that passed while it was down is held at
once, the intervention noted « évaluée au redémarrage du service » with the times.

Several lab machines on one store (exam/machines.py): the service registers itself with its name
and capacity, beats, and holds only the runs placed on it (and runs placed nowhere whose timer is
not another machine's). A candidate's `exam start` places her: here if the trainer pinned her here
or there is room, else one French line naming the machine that has room.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import io
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from simulateur.errors import SimError
from simulateur.exam import core
from simulateur.exam.db import ExamDB, candidate_key
from simulateur.exam.machines import HEARTBEAT, NAME_ENV, Machines, default_capacity, default_name
from simulateur.exam.models import AuditEntry, CandidateRun, LabMachine
from simulateur.i18n import tr, trn
from simulateur.paths import lab_id_prefix
from simulateur.serve import protocol, roles

if TYPE_CHECKING:
    from simulateur.serve.api import ApiServer, Listen

KILL_GRACE = 1.0


def _stamp(t: float, day: bool = False) -> str:
    return time.strftime("%d/%m %H:%M:%S" if day else "%H:%M:%S", time.localtime(t))


class Service:
    def __init__(
        self,
        path: Path | None = None,
        *,
        out: io.TextIOBase | None = None,
        name: str | None = None,
        capacity: int | None = None,
        api: Listen | None = None,
    ) -> None:
        self.path = path or protocol.socket_path()
        self.name = name or default_name()
        self.capacity = capacity or default_capacity()
        self.dir = self.path.parent
        self.out = out or sys.stdout
        self.db = ExamDB()
        self.machines = Machines(self.db)
        self.started = time.time()
        self.lock = threading.Lock()
        self.live: dict[tuple[str, str], set[Worker]] = {}
        self.frozen: set[tuple[str, str]] = set()
        self.expiring: dict[tuple[str, str], threading.Thread] = {}
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.parse_lock = threading.Lock()
        self.pid = os.getpid()
        self.log = self.dir / f"{self.path.stem}.log"
        self.heartbeat = self.dir / f"{self.path.stem}.alive"
        self._lock_fd: int | None = None
        self.sock: socket.socket | None = None
        self.zygote: subprocess.Popen[bytes] | None = None
        self.zsock: socket.socket | None = None
        self.zlock = threading.Lock()
        self.api_listen = api
        self.api: ApiServer | None = None
        self.api_url: str | None = None
        # The store unreachable (PostgreSQL restarted, SQLite busy): the runs last read are still
        # held (frozen at their deadline, scored once it is back); audit entries wait in memory.
        self.known: list[CandidateRun] = []
        self.store_down: float | None = None
        self.outages: list[tuple[float, float]] = []
        self.unsaved: list[AuditEntry] = []
        self.flushing = False

    def say(self, text: str) -> None:
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {text}", file=self.out, flush=True)

    def audit(
        self,
        peer: roles.Peer | None,
        verb: str,
        outcome: str,
        *,
        session: str | None = None,
        candidate: str | None = None,
        detail: str = "",
    ) -> None:
        p = peer or roles.Peer(0, 0, self.pid, "serve")
        entry = AuditEntry(
            uid=p.uid,
            login=p.login,
            role=p.role() if peer else "service",
            pid=p.pid,
            verb=verb,
            session=session,
            candidate=candidate,
            detail=detail,
            outcome=outcome,
        )
        try:
            self.db.audit(entry)
        except Exception as exc:  # noqa: BLE001 — kept in memory, written when the store is back
            with self.lock:
                self.unsaved.append(entry)
            self.say(tr("serve.audit_failed", why=exc))

    def _store_lost(self, exc: BaseException) -> None:
        if self.store_down is None:
            self.store_down = time.time()
            self.say(tr("serve.store_error", why=exc))

    def _store_back(self) -> None:
        """The store answers again: the outage is noted (said, and in the audit of the deadlines
        held at its return), and the audit entries kept meanwhile are written, with their times."""
        if self.store_down is not None:
            since, self.store_down = self.store_down, None
            self.outages.append((since, time.time()))
            self.say(tr("serve.store_back", since=_stamp(since), now=_stamp(time.time())))
        with self.lock:
            if self.flushing or not self.unsaved:
                return
            self.flushing, waiting, self.unsaved = True, self.unsaved, []
        threading.Thread(target=self._flush, args=(waiting,), daemon=True).start()  # the keeper never waits on it

    def _flush(self, waiting: list[AuditEntry]) -> None:
        try:
            for i, entry in enumerate(waiting):
                try:
                    self.db.audit(entry)
                except Exception:  # noqa: BLE001 — gone again: the rest waits for the next return
                    with self.lock:
                        self.unsaved[:0] = waiting[i:]
                    return
        finally:
            with self.lock:
                self.flushing = False

    def _outage_note(self, deadline: float) -> str:
        """« base injoignable de … à … » when the deadline passed while the store was unreachable."""
        for since, back in self.outages:
            if since <= deadline + 1.0 and deadline <= back:
                return tr("serve.held_after_outage", since=_stamp(since), back=_stamp(back))
        return ""

    # --- start, stop ---------------------------------------------------------------------------
    def open(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o755)
        self._lock_fd = os.open(self.dir / f"{self.path.stem}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SimError(tr("serve.already", path=self.path)) from None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        os.environ[NAME_ENV] = self.name  # its workers know whose runs they may hold (core.sweep)
        self._register()
        self._start_zygote()
        self.resume_runs()  # the deadlines passed while down are held before anyone is heard
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(self.path))
        os.chmod(self.path, 0o666)  # anyone may ask; the kernel says who asks, roles say what they get
        self.sock.listen(64)
        if self.api_listen is not None:
            from simulateur.serve.api import ApiServer

            self.api = ApiServer(self, self.api_listen)
            self.api_url = self.api.start()
            self.say(tr("api.listening", url=self.api_url))

    def close(self) -> None:
        self.stopping.set()
        self.wake.set()
        if self.api is not None:
            self.api.stop()
            self.api = None
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self._beat()
        with contextlib.suppress(Exception):  # gone from the list; the store unreachable: its heartbeat ages
            self.machines.unregister(self.name, self.pid)
        if self.zsock is not None:
            self.zsock.close()  # the zygote sees the end of its socket and exits
        if self.zygote is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.zygote.wait(timeout=5)
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    # --- several machines ---------------------------------------------------------------------
    def me(self) -> LabMachine:
        from simulateur.paths import lab_id_prefix
        from simulateur.store.machine import machine_id

        return LabMachine(
            name=self.name,
            machine=machine_id(),
            prefix=lab_id_prefix(),
            socket=str(self.path),
            capacity=self.capacity,
            pid=self.pid,
            started=self.started,
            heartbeat=time.time(),
        )

    def _register(self) -> None:
        other = self.machines.register(self.me())
        if other is not None:
            raise SimError(tr("serve.name_taken", name=self.name, prefix=other.prefix))
        self.say(trn("serve.registered", self.capacity, name=self.name))

    def _mine(self, run: CandidateRun, placed: dict[tuple[str, str], str]) -> bool:
        """Whether this service holds the run's deadline: placed here; or placed nowhere (started
        before placements, or by root without the service) and its timer not another machine's."""
        from simulateur.store.machine import Where, where

        machine = placed.get((run.session, candidate_key(run.candidate)))
        if machine is not None:
            return machine == self.name
        return where(run.watchdog_machine) is not Where.ELSEWHERE

    def my_runs(self, session_id: str | None = None) -> list[CandidateRun]:
        placed = self.machines.placements(session_id)
        return [r for r in self.db.runs(session_id) if self._mine(r, placed)]

    # --- the workers ---------------------------------------------------------------------------
    def _start_zygote(self) -> None:
        """The process that forks the workers, warm (zygote.py); again if it died."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with self.log.open("ab") as log:
            self.zygote = subprocess.Popen(
                [sys.executable, "-m", "simulateur.serve.zygote", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                cwd="/",
            )
        theirs.close()
        ours.settimeout(120)
        try:
            ready = ours.recv(16)
        except OSError:
            ready = b""
        ours.settimeout(None)
        if ready != b"ready":
            ours.close()
            raise SimError(tr("serve.zygote_failed", log=self.log))
        self.zsock = ours

    def _spawn(self, argv: list[str], over: dict[str, object], fds: list[int], term: str) -> Worker:
        req = json.dumps({"argv": argv, "overrides": over, "log": str(self.log), "term": term}).encode()
        for attempt in (1, 2):
            mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                with self.zlock:
                    assert self.zsock is not None
                    try:
                        socket.send_fds(self.zsock, [req], [theirs.fileno(), *fds])
                    except OSError:
                        if attempt == 2:
                            raise
                        self.say(tr("serve.zygote_restart"))
                        self._start_zygote()
                        continue
            finally:
                theirs.close()
            worker = Worker(mine)
            if worker.pid is not None:
                return worker
            mine.close()
        raise SimError(tr("serve.internal"))

    def _beat(self) -> None:
        if not self.stopping.is_set():
            try:
                if not self.machines.beat(self.name, self.pid):
                    self._register()  # removed meanwhile (the store restored, a cleanup): back in the list
            except SimError:
                raise
            except Exception as exc:  # noqa: BLE001 — the store busy or gone a moment: next beat
                self._store_lost(exc)
        with contextlib.suppress(OSError):
            tmp = self.heartbeat.with_suffix(".tmp")
            tmp.write_text(f"{time.time():.3f}\n")
            os.replace(tmp, self.heartbeat)

    def last_alive(self) -> float | None:
        try:
            return float(self.heartbeat.read_text().strip())
        except (OSError, ValueError):
            return None

    def resume_runs(self) -> None:
        """After a restart: every unfinished run is ours again; a deadline that passed while the
        service was down is held now, and said (service log, audit, the intervention's note)."""
        down_since = self.last_alive()
        now = time.time()
        for run in self.my_runs():
            if run.finished is not None:
                continue
            if not run.due(now):  # before her deadline, or paused (it moves at resume)
                core.set_keeper(self.db, run.session, run.candidate, self.pid)
                self.say(tr("serve.resumed_run", id=run.session, candidate=run.candidate, left=int(run.remaining(now))))
                self.audit(
                    None,
                    "reprise",
                    "minuteur repris",
                    session=run.session,
                    candidate=run.candidate,
                    detail=f"échéance {_stamp(run.deadline)}",
                )
                continue
            current = run.current()
            try:
                self._expire_in_worker(run)
            except Exception as exc:  # noqa: BLE001 — said; the keeper tries again once listening
                self.say(tr("serve.expire_failed", id=run.session, candidate=run.candidate, why=exc))
                continue
            when = (
                tr("serve.down_since", since=_stamp(down_since, day=True))
                if down_since is not None
                else tr("serve.down_unknown")
            )
            note = tr("serve.scored_at_restart", deadline=_stamp(run.deadline), now=_stamp(time.time()), when=when)
            if current is not None:
                done = self.db.run(run.session, run.candidate)
                item = next((i for i in done.items if i.index == current.index), None) if done else None
                if item is not None:
                    item.note = (item.note + " " if item.note else "") + note
                    self.db.update_item(run.session, run.candidate, item)
            self.say(f"{run.session} {run.candidate} : {note}")
            self.audit(
                None, "échéance", "évaluée au redémarrage", session=run.session, candidate=run.candidate, detail=note
            )

    def serve_forever(self) -> None:
        assert self.sock is not None
        threading.Thread(target=self._keeper, name="deadlines", daemon=True).start()
        self.say(tr("serve.listening", path=self.path, prefix=lab_id_prefix()))
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                if self.stopping.is_set():
                    break
                raise
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    # --- deadlines ------------------------------------------------------------------------------
    def _keeper(self) -> None:
        last_beat = 0.0
        while not self.stopping.is_set():
            self.wake.clear()  # a wake-up from now on is seen by the wait below
            now = time.time()
            if now - last_beat >= HEARTBEAT:
                try:
                    self._beat()
                except SimError as exc:  # our name taken meanwhile by a live service elsewhere
                    self.say(str(exc))
                last_beat = now
            nxt = now + 1.0
            try:
                runs = self.known = self.my_runs()
            except Exception as exc:  # noqa: BLE001 — the store busy or gone a moment: try again
                self._store_lost(exc)
                runs = self.known  # their deadlines still held: frozen now, scored when it is back
            else:
                if self.store_down is not None or self.unsaved:
                    self._store_back()
            for run in runs:
                if run.finished is not None:
                    continue
                if run.paused is not None:  # paused by the trainer: her exec and shell ended
                    self._hold(run)
                    continue
                if now >= run.deadline:
                    self.freeze(run)
                else:
                    nxt = min(nxt, run.deadline)
            self.wake.wait(max(0.005, nxt - time.time()))

    def freeze(self, run: CandidateRun) -> threading.Thread:
        """The deadline: no new exec or shell, the running ones ended (SIGTERM at once, SIGKILL
        after a grace), then the lab scored as it is and kept frozen for the jury (stopped where
        the machine has no freezer) — in a thread per run: several deadlines at once."""
        key = (run.session, candidate_key(run.candidate))
        with self.lock:
            if key in self.expiring:
                return self.expiring[key]
            self.frozen.add(key)
            procs = self.live.pop(key, set())
            for pgid in (w.pid for w in procs if w.pid is not None):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pgid, signal.SIGTERM)
            t_frozen = time.time()
            thread = threading.Thread(target=self._expire, args=(run, t_frozen), daemon=True)
            self.expiring[key] = thread
            thread.start()
        threading.Thread(target=_kill, args=tuple(procs), daemon=True).start()
        return thread

    def _expire_in_worker(self, run: CandidateRun) -> None:
        """core.expire (scored as it is, kept frozen) in a worker forked by the zygote, not in a
        thread of the service: a crash while scoring (a parser's segfault on a line she typed)
        ends that worker, never the service and the other candidates' deadlines; and the runs of
        a common deadline are scored side by side on every core, not one at a time under the GIL."""
        argv = ["exam", "expire", run.session, "--candidate", run.candidate, "--keep"]
        null = os.open(os.devnull, os.O_RDONLY)
        log = os.open(self.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            worker = self._spawn(argv, {"user_scenarios": None}, [null, log, log], "dumb")
        finally:
            os.close(null)
            os.close(log)
        code = self._wait(None, worker, False)
        if code != 0:
            raise SimError(tr("serve.expire_worker", code=code, log=self.log))

    def _hold(self, run: CandidateRun) -> None:
        """A paused run: her commands in her lab (exec, shell) are ended; new ones are refused
        (roles.decide) until the trainer resumes her."""
        key = (run.session, candidate_key(run.candidate))
        with self.lock:
            procs = self.live.pop(key, set())
        if procs:
            for pgid in (w.pid for w in procs if w.pid is not None):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pgid, signal.SIGTERM)
            threading.Thread(target=_kill, args=tuple(procs), daemon=True).start()
            self.audit(None, "pause", "commandes en cours arrêtées", session=run.session, candidate=run.candidate)

    def _expire(self, run: CandidateRun, t_frozen: float) -> None:
        from simulateur.lab import cgroups

        key = (run.session, candidate_key(run.candidate))
        try:
            current = run.current()
            self._expire_in_worker(run)
            done = time.time()
            kept = current is not None and current.lab is not None and cgroups.frozen(current.lab)
            detail = (
                f"échéance {run.deadline:.3f} ; commandes arrêtées et refusées à +{t_frozen - run.deadline:.3f} s ; "
                f"évalué, laboratoire {'figé' if kept else 'arrêté'} à +{done - run.deadline:.3f} s"
            )
            outage = self._outage_note(run.deadline)
            if outage:
                detail += f" ; {outage}"
            self.audit(
                None,
                "échéance",
                "temps écoulé : évaluée, laboratoire "
                + ("gardé figé" if kept else "arrêté")
                + (" au retour de la base" if outage else ""),
                session=run.session,
                candidate=run.candidate,
                detail=detail,
            )
            self.say(f"{run.session} {run.candidate} : {detail}")
        except Exception as exc:  # noqa: BLE001 — said (once per outage), retried by the keeper's next turn
            if self.store_down is None:
                self.say(tr("serve.expire_failed", id=run.session, candidate=run.candidate, why=exc))
            time.sleep(1)
        finally:
            with self.lock:
                self.expiring.pop(key, None)

    # --- a request ------------------------------------------------------------------------------
    def _handle(self, conn: socket.socket) -> None:
        fds: list[int] = []
        try:
            creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
            pid, uid, gid = struct.unpack("3i", creds)
            peer = roles.identify(uid, gid, pid)
            req, fds = protocol.recv(conn, protocol.MAX_FDS)
            if req is None or not isinstance(req.get("argv"), list) or len(fds) < 3:
                with contextlib.suppress(OSError):  # a client gone at once (a probe of the socket): no one to tell
                    protocol.send(conn, {"error": tr("serve.bad_request"), "code": 2})
                return
            self._request(conn, peer, [str(a) for a in req["argv"]], fds, str(req.get("term") or "xterm")[:64])
        except Exception as exc:  # noqa: BLE001 — one request's failure never stops the service
            self.say(tr("serve.request_failed", why=f"{type(exc).__name__}: {exc}"))
            import traceback

            traceback.print_exc(file=self.out)
            with contextlib.suppress(OSError):
                protocol.send(conn, {"error": tr("serve.internal"), "code": 1})
        finally:
            for fd in fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
            with contextlib.suppress(OSError):
                conn.close()

    def _parse(self, argv: list[str]) -> argparse.Namespace | None:
        from simulateur import cli

        with self.parse_lock, contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            try:
                return cli.build_parser().parse_args(argv)
            except SystemExit:
                return None

    def _request(self, conn: socket.socket, peer: roles.Peer, argv: list[str], fds: list[int], term: str) -> None:
        reply = self.execute(peer, argv, fds, term, conn)
        with contextlib.suppress(OSError):
            protocol.send(conn, reply)

    def execute(
        self,
        peer: roles.Peer,
        argv: list[str],
        fds: list[int],
        term: str,
        conn: socket.socket | None = None,
        *,
        terminal: bool = True,
    ) -> dict[str, object]:
        """Decide, run in a worker on these fds (stdin, stdout, stderr, a fiche file), wait: the
        reply ({"code"} or {"error", "code"}). `conn`: the Unix client, whose going away ends an
        exec or a shell; `terminal` False (the network API): no shell, which needs a terminal."""
        args = self._parse(argv)
        if args is None:
            return {"error": tr("serve.bad_request"), "code": 2}
        what = " ".join(argv)[:500] + (f" [{peer.address}]" if peer.address else "")
        verb = roles.verb_of(args) or (argv[0] if argv else "?")
        try:
            with self.lock:
                frozen = set(self.frozen)
            self._catch_up(args)
            decision = roles.decide(peer, args, self.db, frozen)
            if not terminal and decision.verb == "shell":
                raise roles.Refused(tr("serve.api_no_shell"))
            self._place(decision)
        except SimError as exc:
            self.audit(peer, verb, f"refusé : {exc}", session=getattr(args, "session", None), detail=what)
            return {"error": str(exc), "code": exc.exit_code}
        over = dict(decision.overrides)
        if decision.verb == "exam start":
            over["keeper"] = self.pid
        if decision.verb in ("exam fiche", "exam roster", "exam new") and getattr(args, "file", None) is not None:
            if len(fds) < 4:
                return {"error": tr("serve.bad_request"), "code": 2}
            over["file"] = "fd"  # the zygote's child reads the file she opened (fd 4 of the request)
            if decision.verb != "exam fiche" and not getattr(args, "csv_name", None):
                over["csv_name"] = str(args.file)  # the file's name as the client gave it, for the errors
        key = (decision.session or "", candidate_key(decision.candidate or ""))
        proc = self._spawn(argv, over, fds, term)  # not under the lock: a deadline never waits for it
        with self.lock:
            late = decision.interactive and key in self.frozen  # the deadline came meanwhile
            if decision.interactive and not late:
                self.live.setdefault(key, set()).add(proc)
        if late:
            _kill(proc)
            proc.channel.close()
            refused = tr("serve.time_over", lab=decision.lab)
            self.audit(
                peer,
                decision.verb,
                f"refusé : {refused}",
                session=decision.session,
                candidate=decision.candidate,
                detail=what,
            )
            return {"error": refused, "code": 3}
        code = self._wait(conn, proc, decision.interactive)
        with self.lock:
            self.live.get(key, set()).discard(proc)
        outcome = "ok" if code == 0 else f"code {code}"
        reply: dict[str, object] = {"code": code}
        if decision.interactive and key in self.frozen:
            outcome += " (fermé à l'échéance)"
            reply["error"] = tr("serve.closed_at_deadline", lab=decision.lab)
        self.audit(peer, decision.verb, outcome, session=decision.session, candidate=decision.candidate, detail=what)
        if decision.verb in ("exam start", "exam submit", "exam extend", "exam pause", "exam resume"):
            self.wake.set()  # a new run or deadline: the keeper looks again
        return reply

    def _place(self, decision: roles.Decision) -> None:
        """A candidate's run is on one machine: `exam start` places her (here if pinned here or if
        there is room); a command acting on her run's labs elsewhere is refused, naming where."""
        if decision.verb not in roles.ON_HER_MACHINE or not decision.session or not decision.candidate:
            return
        session = core.get_session(self.db, decision.session)
        name = decision.candidate
        if decision.verb == "exam start":
            if self.db.run(session.id, name) is not None and self.machines.placement(session.id, name) is None:
                return  # a run begun before placements: where it was begun, as before
            there = self.machines.place(session.id, name, self.me(), session.machine_of(name))
            if there is None:
                load = self.machines.load().get(self.name, 0)
                room = self.machines.with_room(but=self.name)
                if room:
                    raise roles.Refused(
                        tr(
                            "serve.full_go",
                            name=self.name,
                            n=load,
                            capacity=self.capacity,
                            other=room[0][0].name,
                            id=session.id,
                        )
                    )
                raise roles.Refused(tr("serve.full_none", name=self.name, n=load, capacity=self.capacity))
        else:
            there = self.machines.placement(session.id, name)
        if there is not None and there != self.name:
            other = self.machines.get(there)
            down = (
                ""
                if other is not None and other.reachable()
                else (
                    tr("serve.other_down", since=time.strftime("%H:%M", time.localtime(other.heartbeat)))
                    if other is not None
                    else tr("serve.other_stopped")
                )
            )
            raise roles.Refused(
                tr(
                    "serve.placed_elsewhere",
                    id=session.id,
                    candidate=name,
                    machine=there,
                    verb=decision.verb,
                    down=down,
                )
            )

    def _catch_up(self, args: argparse.Namespace) -> None:
        """A candidate's command on a run past its deadline: the deadline first (the keeper may
        be a moment behind), so what she gets is the truth."""
        session_id = getattr(args, "session", None)
        if not isinstance(session_id, str):
            return
        now = time.time()
        for run in self.my_runs(session_id):
            if run.finished is None and run.due(now):
                self.freeze(run).join(timeout=120)  # what she runs next sees the run as it ended

    def _wait(self, conn: socket.socket | None, worker: Worker, interactive: bool) -> int:
        """The worker's exit status. A client that goes away (killed, Ctrl+C) ends an exec or a
        shell (they are on its terminal); a start or a submission goes on (the lab being built
        is the run's, `exam start` again resumes it)."""
        import select

        poller = select.poll()
        poller.register(worker.channel.fileno(), select.POLLIN)
        if conn is not None:
            poller.register(conn.fileno(), select.POLLIN | select.POLLHUP)
        while worker.code is None:
            for fd, _ in poller.poll():
                if conn is not None and fd == conn.fileno():
                    try:
                        said = conn.recv(256)
                    except OSError:
                        said = b""
                    if said.strip(protocol.RESIZE):  # nothing else is ever sent
                        said = b""
                    if said and worker.pid is not None:  # her window resized: the relay reads it again
                        with contextlib.suppress(ProcessLookupError, PermissionError):
                            os.kill(worker.pid, signal.SIGWINCH)
                        continue
                    poller.unregister(conn.fileno())  # the client is gone
                    if interactive:
                        _kill(worker)
                else:
                    try:
                        worker.read()
                    except OSError:
                        worker.ended = True
                    if worker.code is None and worker.ended:
                        worker.code = 128 + signal.SIGTERM if worker.killed else 1
        worker.channel.close()
        return worker.code


class Worker:
    """One forked worker (zygote.py), known by its channel: its PID (its session), then its exit
    status; the channel's end without a status means it was killed."""

    def __init__(self, channel: socket.socket) -> None:
        self.channel = channel
        self.buf = b""
        self.pid: int | None = None
        self.code: int | None = None
        self.ended = False
        self.killed = False
        channel.settimeout(30)
        try:
            while self.pid is None and not self.ended:
                self.read()
        except OSError:
            self.ended = True
        channel.settimeout(None)

    def read(self) -> None:
        chunk = self.channel.recv(256)
        if not chunk:
            self.ended = True
            return
        self.buf += chunk
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            value = int(line) if line.strip().lstrip(b"-").isdigit() else None
            if self.pid is None:
                self.pid = value
            elif value is not None:
                self.code = value


def _kill(*workers: Worker) -> None:
    """End workers and what they started in their sessions (process groups), all at once: SIGTERM
    (a shell's relay hangs up its host shell and gives the terminal back), SIGKILL for what is
    still there after a grace. The threads waiting for their statuses see their channels close."""
    groups = {w.pid for w in workers if w.pid is not None}
    for w in workers:
        w.killed = True
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pgid in list(groups):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, sig)
        end = time.monotonic() + KILL_GRACE
        while groups and time.monotonic() < end:
            for pgid in list(groups):
                try:
                    os.killpg(pgid, 0)
                except (ProcessLookupError, PermissionError):
                    groups.discard(pgid)
            time.sleep(0.02)
        if not groups:
            return


def run(
    path: Path | None = None, *, name: str | None = None, capacity: int | None = None, api: Listen | None = None
) -> int:
    """`simulateur serve`: in the foreground until SIGTERM or Ctrl+C."""
    service = Service(path, name=name, capacity=capacity, api=api)
    service.open()

    def stop(*_: object) -> None:
        service.say(tr("serve.stopping"))
        service.close()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        service.serve_forever()
    finally:
        service.close()
    return 0
