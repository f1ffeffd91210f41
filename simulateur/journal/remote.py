"""The journal of SSH sessions: commands typed on a host through sshd, recorded outside the host.

Inside a host with sshd, every session runs /usr/local/lib/simulateur/ssh-session (the
ForceCommand of the sshd service), which sends each command of the session — a one-shot
`ssh poste 'cmd'` or each line of an interactive one — with its time and exit code to
/run/simulateur/journal.sock of its host. That socket is bound from outside the host by the
collector below, which appends to the attempt's journal (in the machine's files, which no host
sees). There is one collector per host with sshd.

The collector is entirely outside every host: all of its namespaces are the machine's. It once
lived in its host's PID namespace with the machine's files, and the host's root reached the
machine's whole filesystem through /proc/<collector>/root (attempt store, other candidates'
journals). Now nothing of it shows in the host, so:
  - its socket is made from outside without trusting the host's links: /run/simulateur is opened
    with openat2(RESOLVE_IN_ROOT) on the host's root (simulateur.lab.confine), the socket is bound
    through /proc/self/fd/<that directory>/journal.sock (bind never follows a link at its last
    component), and the kernel's own record of the bound file (sock_diag) must be the
    journal.sock found in that directory, else the start fails;
  - it ends with its host: recorded in the lab state by PID and start time (simulateur.lab.outside,
    killed by that record at stop and by the reaper), and it exits by itself when it sees the
    host's PID 1 die (a pidfd), so a crash of everything else leaves no collector behind.

What the collector trusts, and what it does not:
  - which host: the socket the record came in on (each host has its own);
  - who is talking: the peer's credentials (SO_PEERCRED: a PID as the machine numbers them) — a
    process of that host (its PID namespace is the host PID 1's) whose parent, in the host too,
    is the host's sshd; anything else is refused. The session waits for the collector's "ok"
    before it runs anything, so it is still there to be checked;
  - that it is an SSH session at all, and where it comes from: the kernel's view, never the host's.
    Root in the host can replace /usr/sbin/sshd and set any SSH_CONNECTION (a forged sshd once
    produced a session « depuis technicien »), so the collector reads from the machine's /proc the
    TCP connection, accepted by a listener of the host's network namespace, that the session's sshd
    holds, and which lab host's network namespace holds its other end (simulateur.journal.sshorigin).
    No connection: the session is refused (no SSH command of it is recorded; it runs as local work);
  - what sshd logs: the host's /dev/log is bound here too, and the lines of the host's genuine sshd
    go to ATTEMPT/sshd-HOST.log, out of the host's reach (simulateur.journal.sshlog);
  - the commands and exit codes themselves: what the session's bash reports, exactly as for
    `simulateur shell` (a trainee who forges records on purpose can add lines, never remove any).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import socket
import stat
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.journal import sshorigin
from simulateur.journal.sshlog import LOG_DIR, LOG_NAME, SshdLog, attempt_log
from simulateur.journal.store import Entry, Journal
from simulateur.lab import confine, nsutil, outside
from simulateur.lab.services.sshd import LOG_OUTSIDE, Sshd

if TYPE_CHECKING:
    from simulateur.lab.lab import Lab

SOCK_DIR = "/run/simulateur"
SOCK_NAME = "journal.sock"
SOCK = f"{SOCK_DIR}/{SOCK_NAME}"  # as ssh-session inside the host names it
SSHD_LOG_FILE = LOG_OUTSIDE  # the sshd unit's second EnvironmentFile (services.sshd)
SSHD_LOG_ENV = (
    "# Écrit depuis la machine (simulateur) : le journal de sshd va à /dev/log, tenu hors de\n"
    "# ce poste ; journalctl -u ssh en montre toujours une copie.\nSSHD_LOG=\n"
)
START_TIMEOUT = 30.0  # a loaded machine imports the collector's modules slowly
Running = tuple[int, int]  # (PID, kernel start time) of a collector


def sshd_hosts(lab: Lab) -> list[str]:
    return [
        name
        for name, spec in lab.topology.hosts.items()
        if name in lab.host_names() and any(isinstance(s, Sshd) for s in spec.services)
    ]


def start_collector(lab: Lab, attempt_dir: Path) -> None:
    """Start a collector for each host that runs sshd; return once their sockets are bound, each
    recorded in the lab state (PID, start time). Without them SSH sessions would go unrecorded:
    failing to start one fails the start."""
    for host in sshd_hosts(lab):
        pid, started = _start_one(lab, host, attempt_dir)
        outside.record(lab.state.hosts[host], pid, started)
        lab.state.save()
        _relog(lab, host)


def _relog(lab: Lab, host: str) -> None:
    """The host's sshd started at boot, before its collector, logging to its stderr: restarted so
    that it reads SSHD_LOG_FILE and logs to the /dev/log the collector now holds — unless it is
    stopped (a fault) or its configuration is broken (a fault too: a restart would make it fail,
    and the trainee's own restart, once it is fixed, will do)."""
    for spec in lab.topology.hosts[host].services:
        if isinstance(spec, Sshd):
            lab.host(host).run(
                [
                    "/bin/sh",
                    "-c",
                    (
                        f"systemctl is-active --quiet {spec.name} && "
                        f"{Sshd.binary} -t >/dev/null 2>&1 && systemctl restart {spec.name}"
                    ),
                ]
            )


def _start_one(lab: Lab, host: str, attempt_dir: Path) -> Running:
    """Run the collector of `host` (a process of the machine, in none of the lab's namespaces) and
    wait for its "ready PID START" line; a clear French error if it does not come."""
    argv = [sys.executable, "-m", "simulateur.journal.remote", lab.id, host, str(attempt_dir)]
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        close_fds=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    answered = bool(select.select([proc.stdout], [], [], START_TIMEOUT)[0])
    ready = outside.parse_ready(proc.stdout.readline()) if answered else None
    why = None
    if ready is None:
        # It ended (its last words were written before its stdout closed), or it is still silent:
        # then it exits by itself when the failed build kills the host's PID 1 (see main).
        why = (
            _last_words(proc.stderr.fileno())
            if answered
            else tr("journal.collector_silent", seconds=int(START_TIMEOUT))
        )
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
    elif not nsutil.same_process(*ready):
        why = tr("journal.collector_gone")
    proc.stdout.close()
    proc.stderr.close()
    proc.wait()  # the first of the collector's two processes: it leaves at once (see main)
    if ready is None or why is not None:
        raise SimError(tr("journal.collector_failed", lab=lab.id, host=host, why=why or "?"))
    return ready


def _last_words(fd: int) -> str:
    """The last line a collector that gave up wrote on its stderr (read without waiting)."""
    os.set_blocking(fd, False)
    try:
        text = os.read(fd, 65536).decode(errors="replace")
    except BlockingIOError:
        text = ""
    lines = text.strip().splitlines()
    return lines[-1] if lines else "?"


# --- the socket, bound in the host from outside ------------------------------------------------
def bind_in_host(root: Path, directory: str = SOCK_DIR, name: str = SOCK_NAME) -> socket.socket:
    """A listening socket at DIRECTORY/NAME (/run/simulateur/journal.sock by default) of the host
    whose root is `root`, made from outside without ever following a link out of the host, and
    checked to be there."""
    confine.makedirs(root, directory)
    dirfd = confine.open_in(root, directory, os.O_PATH | os.O_DIRECTORY)
    try:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name, dir_fd=dirfd)  # unlinkat: a link there is removed, not followed
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            mask = os.umask(0o111)  # srw-rw-rw-: any user's session may connect
            try:
                server.bind(f"/proc/self/fd/{dirfd}/{name}")
            finally:
                os.umask(mask)
            server.listen(16)
            if not _reached_through(dirfd, server, name):
                raise SimError(tr("journal.socket_elsewhere", path=f"{directory}/{name}"))
        except BaseException:
            server.close()
            raise
        return server
    finally:
        os.close(dirfd)


def _reached_through(dirfd: int, server: socket.socket, name: str) -> bool:
    """Whether the journal.sock now in that directory is `server`: the file found there (a socket,
    not a link) is connected to and a random token must come out of `server`. A comparison of
    inode numbers would not do: on the hosts' overlay, stat() reports the upper layer's device."""
    try:
        fd = os.open(name, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dirfd)
    except OSError:
        return False
    token = os.urandom(16)
    timeout = server.gettimeout()
    try:
        if not stat.S_ISSOCK(os.fstat(fd).st_mode):
            return False
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(1.0)
            probe.connect(f"/proc/self/fd/{fd}")  # that very file, whatever its name is now
            probe.sendall(token)
            server.settimeout(1.0)
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:  # another peer may come first: not ours, dropped
                conn, _ = server.accept()
                with conn:
                    conn.settimeout(1.0)
                    if conn.recv(len(token), socket.MSG_WAITALL) == token:
                        return True
        return False
    except OSError:  # refused, timed out: whatever answers there is not `server`
        return False
    finally:
        server.settimeout(timeout)
        os.close(fd)


# --- who is talking ----------------------------------------------------------------------------
def pid_namespace(pid: int) -> tuple[int, int]:
    st = os.stat(f"/proc/{pid}/ns/pid")
    return st.st_dev, st.st_ino


def _peer(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, _, _ = struct.unpack("3i", creds)
    return int(pid)


def _ppid(pid: int) -> int:
    stat_line = Path(f"/proc/{pid}/stat").read_text()
    return int(stat_line.rsplit(")", 1)[1].split()[1])


def _environ(pid: int) -> dict[str, str]:
    data = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.decode(errors="replace").split("=", 1) for item in data.split(b"\0") if b"=" in item)


def session_of(pid: int, host_pid_ns: tuple[int, int]) -> tuple[dict[str, str], list[int]] | None:
    """The environment of a peer process that is one of the host's sshd sessions, and the sshd
    processes above it, nearest first (else None).

    `pid` is as the machine numbers it (the collector is in the machine's PID namespace; 0 for a
    peer the kernel could not map). The peer and every parent walked must be in the host's PID
    namespace: the parent of a process entered from outside (`simulateur exec`) is the machine's
    nsenter, and the machine's own processes — an sshd of the machine among them — are not the host's.
    Being under a process named sshd proves nothing (the host's root can put anything there): the
    caller asks the kernel for the connection those processes hold (simulateur.journal.sshorigin).
    """
    if pid <= 0:
        return None
    try:
        if pid_namespace(pid) != host_pid_ns:
            return None
        parent, sshds = pid, []
        for _ in range(4):  # sshd [priv] → sshd user@tty → (bash -c ForceCommand, often exec'd away) → ssh-session
            parent = _ppid(parent)
            if parent <= 0 or pid_namespace(parent) != host_pid_ns:
                break
            if os.readlink(f"/proc/{parent}/exe") == Sshd.binary:
                sshds.append(parent)
            elif sshds:
                break
        return (_environ(pid), sshds) if sshds else None
    except (OSError, ValueError, IndexError):
        return None


class Collector:
    """The journal of one host's SSH sessions, served from outside the host and bound to the life
    of its PID 1."""

    def __init__(self, lab: Lab, host: str, journal: Journal) -> None:
        self.lab = lab
        self.host = host
        self.journal = journal
        units = [s.name for s in lab.topology.hosts[host].services if isinstance(s, Sshd)]
        self.unit = units[0] if units else "ssh"
        self._sessions: list[threading.Thread] = []
        state = lab.state.hosts[host]
        down = SimError(tr("lab.host_down", host=host, lab=lab.id))
        if state.pid1 is None:
            raise down
        # A pidfd first, then the check that its PID is still the recorded process: from then on
        # the pidfd says when *that* process dies, whatever PID numbers are reused meanwhile.
        self.pidfd = os.pidfd_open(state.pid1)
        if not nsutil.same_process(state.pid1, state.pid1_start):
            raise down
        self.root_fd = os.open(f"/proc/{state.pid1}/root", os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        self.pid_ns = pid_namespace(state.pid1)
        if self.host_gone(0):  # died before we held its root: that root and namespace may be another's
            raise down

    def host_gone(self, timeout_ms: int) -> bool:
        poller = select.poll()
        poller.register(self.pidfd, select.POLLIN)
        return bool(poller.poll(timeout_ms))

    def listen(self) -> tuple[socket.socket, socket.socket]:
        """The host's journal socket and its /dev/log (through the root we hold open: never a
        reused PID's), and the word to the host's sshd unit that its log now goes to /dev/log
        (SSHD_LOG_FILE, read at its next start). The root is let go once bound: nothing of the
        host's files stays held by us."""
        root = Path(f"/proc/self/fd/{self.root_fd}")
        try:
            with self.lab.host(self.host).writing():  # as the host's root (user namespace: NetnsHost.writing)
                journal = bind_in_host(root)
                try:
                    log = bind_in_host(root, LOG_DIR, LOG_NAME)
                    fd = confine.open_in(root, SSHD_LOG_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW)
                    with os.fdopen(fd, "w") as env:
                        env.write(SSHD_LOG_ENV)
                except BaseException:
                    journal.close()
                    raise
                return journal, log
        finally:
            os.close(self.root_fd)

    def append_inside(self, text: str) -> None:
        """Append to the host's own log of its sshd unit (what `journalctl -u ssh` shows there),
        resolved inside the host's root, and only while that host is alive."""
        state = self.lab.state.hosts[self.host]
        if state.pid1 is None or self.host_gone(0):
            return
        with self.lab.host(self.host).writing():
            fd = confine.open_in(
                Path(f"/proc/{state.pid1}/root"),
                f"/var/log/sysd/{self.unit}.log",
                os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW,
            )
        try:
            if not self.host_gone(0):  # still that host's PID 1: the root we resolved was its
                os.write(fd, text.encode())
        finally:
            os.close(fd)

    def origin(self, connection: sshorigin.Connection) -> str:
        """The lab host at the other end of `connection`: the one whose kernel holds it, else the
        one that has its peer address, else that address."""
        namespaces = {}
        for name in self.lab.host_names():
            state = self.lab.state.hosts.get(name)
            if state is not None and state.pid1 is not None and nsutil.same_process(state.pid1, state.pid1_start):
                namespaces[str(name)] = state.pid1
        return (
            sshorigin.holder(connection, namespaces)
            or self.owner_of(connection.peer.address)
            or connection.peer.address
        )

    def owner_of(self, address: str) -> str | None:
        from simulateur.lab.addresses import addresses

        for name, addr in self.lab.static_addresses().items():
            if addr == address:
                return str(name)
        for name in self.lab.host_names():
            try:
                if any(a.cidr.split("/")[0] == address for a in addresses(self.lab.host(name))):
                    return str(name)
            except Exception:  # noqa: BLE001 — a host going down while we look: not this one
                continue
        return None

    def serve(self, conn: socket.socket) -> None:
        host = self.host
        with conn:
            # The session waits for our answer before going on: it is still alive to be checked.
            session = session_of(_peer(conn), self.pid_ns)
            if session is None:
                return
            env, sshds = session
            # Where it comes from: the TCP connection the kernel shows its sshd holding — never
            # SSH_CONNECTION, which the host's root can write. None: no session of ours.
            connection = sshorigin.accepted_connection(sshds)
            if connection is None:
                # Its "open" line read first: a unix socket closed with unread data resets its
                # peer, which could then lose our answer.
                conn.settimeout(1.0)
                with contextlib.suppress(OSError):
                    conn.recv(4096)
                conn.sendall(f"no {tr('journal.ssh_no_connection')}\n".encode())
                conn.shutdown(socket.SHUT_WR)
                return
            opened = time.time()
            origin = self.origin(connection)
            user = env.get("USER", "?")
            conn.sendall(b"ok\n")
            with conn.makefile("rb") as stream:
                for raw in stream:
                    try:
                        rec = json.loads(raw)
                    except ValueError:
                        continue
                    if not isinstance(rec, dict):
                        continue
                    if rec.get("event") == "open":
                        self.journal.append(
                            Entry(
                                t=time.time(),
                                host=host,
                                source="event",
                                origin=origin,
                                cmd=tr(
                                    "journal.ssh_opened",
                                    host=host,
                                    origin=origin,
                                    user=user,
                                    address=connection.peer.address,
                                    port=connection.peer.port,
                                ),
                            )
                        )
                    elif isinstance(rec.get("cmd"), str):
                        rc, start, now = rec.get("rc"), rec.get("start"), time.time()
                        # When the command ended, as the session saw it (records may reach us a
                        # little later); anything implausible is replaced by the time of arrival.
                        t = rec.get("t")
                        t = float(t) if isinstance(t, (int, float)) and opened - 1 <= t <= now else now
                        self.journal.append(
                            Entry(
                                t=t,
                                host=host,
                                cmd=rec["cmd"],
                                source="ssh",
                                origin=origin,
                                rc=rc if isinstance(rc, int) else None,
                                start=float(start) if isinstance(start, (int, float)) else None,
                            )
                        )

    def run(self, server: socket.socket, log: socket.socket | None = None, sshd_log: SshdLog | None = None) -> None:
        """Serve sessions (and sshd's log lines) until the host's PID 1 dies, then let the last
        records in (their sessions died with the host: their streams end at once) and return."""
        handlers = {server.fileno(): (server, self.serve)}
        if log is not None and sshd_log is not None:
            handlers[log.fileno()] = (log, sshd_log.take)
        poller = select.poll()
        for sock, _ in handlers.values():
            sock.setblocking(False)
            poller.register(sock.fileno(), select.POLLIN)
        poller.register(self.pidfd, select.POLLIN)
        while True:
            ready = dict(poller.poll())
            if self.pidfd in ready:
                break
            for fd in ready:
                sock, handler = handlers[fd]
                try:
                    conn, _ = sock.accept()
                except (BlockingIOError, ConnectionAbortedError, InterruptedError):
                    continue
                conn.setblocking(True)
                if sock is not server:  # /dev/log: checked here, read in turn (SshdLog.take)
                    handler(conn)
                    continue
                thread = threading.Thread(target=handler, args=(conn,), daemon=True)
                thread.start()
                self._sessions = [t for t in self._sessions if t.is_alive()] + [thread]
        for sock, _ in handlers.values():
            sock.close()
        deadline = time.monotonic() + 0.3
        for thread in self._sessions:
            thread.join(max(0.0, deadline - time.monotonic()))


def _reason(exc: BaseException) -> str:
    """One French-readable line for the start's error message."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror} ({exc.filename})" if exc.filename else exc.strerror
    return str(exc) or type(exc).__name__


def main(argv: list[str]) -> int:
    from simulateur.lab.lab import Lab as LabClass
    from simulateur.lab.state import lab_dir, load_state
    from simulateur.lab.topology import Topology
    from simulateur.vm import host as _vm_kind  # noqa: F401  (registers the VM kind: the lab may hold VMs)

    lab_id, host, attempt_dir = argv
    # Leave our parent (the `start` command, or the app, which may live long): the collector is
    # never a child it would have to reap. It is the machine's init's to reap instead — outside
    # every host, a collector waiting to be reaped holds no host's PID namespace up.
    if os.fork() != 0:
        os._exit(0)
    try:
        # Started while the lab is being built (its faults applied, before it says ready): read
        # its state as it is, hosts already up, rather than Lab.open (which wants a ready lab).
        topology = Topology.model_validate_json((lab_dir(lab_id) / "topology.json").read_text())
        lab = LabClass(load_state(lab_id), topology)
        collector = Collector(lab, host, Journal(Path(attempt_dir) / "journal.jsonl"))
        server, log = collector.listen()
        sshd_log = SshdLog(Sshd.binary, collector.pid_ns, attempt_log(Path(attempt_dir), host), collector.append_inside)
    except Exception as exc:  # noqa: BLE001 - said to the start, which fails with it
        os.write(2, (_reason(exc) + "\n").encode(errors="replace"))
        return 1
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 2)
    me = os.getpid()
    os.write(1, f"ready {me} {nsutil.start_time(me)}\n".encode())
    os.dup2(devnull, 1)
    collector.run(server, log, sshd_log)
    os._exit(0)  # session threads still reading a dead host's socket end with us


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
