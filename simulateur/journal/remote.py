"""The journal of SSH sessions: commands typed on a host through sshd, recorded outside the host.

Inside a host with sshd, every session runs /usr/local/lib/simulateur/ssh-session (the
ForceCommand of the sshd service), which sends each command of the session — a one-shot
`ssh poste 'cmd'` or each line of an interactive one — with its time and exit code to
/run/simulateur/journal.sock of its host. That socket is bound from outside the host by the
collector below, which appends to the attempt's journal (in the machine's files, which no host
sees). There is one collector per host with sshd, started in that host's PID namespace (and the
lab's switch network namespace) but with the machine's files: when the host's PID 1 dies — the
lab's stop, the reaper, a crash — the kernel ends the collector with it, whatever else was lost.

What the collector trusts, and what it does not:
  - which host: the socket the record came in on (each host has its own);
  - who is talking: the peer's credentials (SO_PEERCRED, a PID of the host's namespace, as the
    collector lives there) — a process whose parent is the host's sshd; anything else is refused. The session waits for
    the collector's "ok" before it runs anything, so it is still there to be checked;
  - where the session comes from: SSH_CONNECTION in the peer's initial environment (set by sshd,
    read from /proc, not from the socket), mapped to the lab host that has that address;
  - the commands and exit codes themselves: what the session's bash reports, exactly as for
    `simulateur shell` (a trainee who forges records on purpose can add lines, never remove any).
"""

from __future__ import annotations

import ctypes
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.journal.store import Entry, Journal
from simulateur.lab import nsutil
from simulateur.lab.services.sshd import Sshd

if TYPE_CHECKING:
    from simulateur.lab.lab import Lab

SOCK = "/run/simulateur/journal.sock"
READY = b"ready\n"


def sshd_hosts(lab: Lab) -> list[str]:
    return [name for name, spec in lab.topology.hosts.items()
            if name in lab.host_names() and any(isinstance(s, Sshd) for s in spec.services)]


CLONE_NEWPID = 0x20000000
_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd: int, nstype: int) -> None:
    if _libc.setns(fd, nstype) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def start_collector(lab: Lab, attempt_dir: Path) -> None:
    """Start a collector for each host that runs sshd; return once their sockets are bound.
    Without them SSH sessions would go unrecorded: failing to start one fails the start."""
    for host in sshd_hosts(lab):
        _start_one(lab, host, attempt_dir)


def _start_one(lab: Lab, host: str, attempt_dir: Path) -> None:
    argv = ["nsenter", f"--net={nsutil.netns_path(lab.state.switch_netns)}",
            sys.executable, "-m", "simulateur.journal.remote", lab.id, host, str(attempt_dir)]
    # Children of this thread are born in the host's PID namespace (setns affects children only),
    # then this thread goes back to its own.
    own = os.open("/proc/thread-self/ns/pid_for_children", os.O_RDONLY)
    target = os.open(f"/proc/{lab.host(host).state.pid1}/ns/pid", os.O_RDONLY)
    try:
        _setns(target, CLONE_NEWPID)
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
        finally:
            _setns(own, CLONE_NEWPID)
    finally:
        os.close(own)
        os.close(target)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    proc.stdout.close()
    if line != READY:
        proc.kill()
        proc.wait()
        raise SimError(tr("journal.collector_failed", lab=lab.id))
    proc.wait()   # the first of the collector's two processes: it left at once (see main)


# --- the collector process ---------------------------------------------------------------------
def _peer(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, _, _ = struct.unpack("3i", creds)
    return pid


def _ppid(proc: Path, pid: int) -> int:
    stat = (proc / str(pid) / "stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def _environ(proc: Path, pid: int) -> dict[str, str]:
    data = (proc / str(pid) / "environ").read_bytes()
    return dict(item.decode(errors="replace").split("=", 1) for item in data.split(b"\0") if b"=" in item)


def session_of(pid: int, proc: Path) -> dict[str, str] | None:
    """The sshd session environment of a peer process, if it is one (else None).

    `pid` is as the host sees it (the collector lives in the host's PID namespace; 0 for a peer
    outside it) and `proc` is the host's own /proc."""
    if pid <= 1:
        return None
    try:
        parent = pid
        for _ in range(3):  # sshd → (bash -c ForceCommand, often exec'd away) → ssh-session
            parent = _ppid(proc, parent)
            if parent <= 1:
                return None
            if os.readlink(proc / str(parent) / "exe") == Sshd.binary:
                env = _environ(proc, pid)
                return env if "SSH_CONNECTION" in env else None
    except (OSError, ValueError, IndexError):
        return None
    return None


class Collector:
    def __init__(self, lab: Lab, journal: Journal) -> None:
        self.lab = lab
        self.journal = journal

    def origin(self, address: str) -> str | None:
        from simulateur.lab.addresses import addresses

        for name, addr in self.lab.static_addresses().items():
            if addr == address:
                return str(name)
        for name in self.lab.host_names():
            try:
                if any(a.cidr.split("/")[0] == address for a in addresses(self.lab.host(name))):
                    return str(name)
            except Exception:  # a host going down while we look: not this one
                continue
        return None

    def serve(self, host: str, conn: socket.socket) -> None:
        with conn:
            # The session waits for our answer before going on: it is still alive to be checked.
            env = session_of(_peer(conn), self.lab.host(host).path("/proc"))
            if env is None:
                return
            opened = time.time()
            client = env["SSH_CONNECTION"].split()[0]
            origin = self.origin(client) or client
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
                        self.journal.append(Entry(
                            t=time.time(), host=host, source="event", origin=origin,
                            cmd=f"session SSH ouverte sur {host} depuis {origin} ({client}) en {user}"))
                    elif isinstance(rec.get("cmd"), str):
                        rc, start, now = rec.get("rc"), rec.get("start"), time.time()
                        # When the command ended, as the session saw it (records may reach us a
                        # little later); anything implausible is replaced by the time of arrival.
                        t = rec.get("t")
                        t = float(t) if isinstance(t, (int, float)) and opened - 1 <= t <= now else now
                        self.journal.append(Entry(
                            t=t, host=host, cmd=rec["cmd"], source="ssh", origin=origin,
                            rc=rc if isinstance(rc, int) else None,
                            start=float(start) if isinstance(start, (int, float)) else None))

    def listen(self, host: str) -> socket.socket:
        path = self.lab.host(host).path(SOCK)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(path))
        os.chmod(path, 0o666)
        server.listen(16)
        return server

    def accept_loop(self, host: str, server: socket.socket) -> None:
        while True:
            conn, _ = server.accept()
            threading.Thread(target=self.serve, args=(host, conn), daemon=True).start()


def main(argv: list[str]) -> int:
    from simulateur.lab.lab import Lab as LabClass
    from simulateur.lab.state import lab_dir, load_state
    from simulateur.lab.topology import Topology
    from simulateur.vm import host as _vm_kind  # noqa: F401  (registers the VM kind: the lab may hold VMs)

    lab_id, host, attempt_dir = argv
    # Leave our parent (the `start` command, outside the host): the collector's parent becomes the
    # host's PID 1, which reaps it at once when the lab is stopped. Orphaned outside, it would be
    # the machine's init's to reap, and a host's PID 1 does not finish dying before every process
    # of its namespace is reaped (an init that reaps late made every `stop` wait up to 2 s).
    if os.fork() != 0:
        os._exit(0)
    # Started while the lab is being built (its faults applied, before it says ready): read its
    # state as it is, hosts already up, rather than Lab.open (which wants a ready lab).
    topology = Topology.model_validate_json((lab_dir(lab_id) / "topology.json").read_text())
    lab = LabClass(load_state(lab_id), topology)
    collector = Collector(lab, Journal(Path(attempt_dir) / "journal.jsonl"))
    server = collector.listen(host)
    os.write(1, READY)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    collector.accept_loop(host, server)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
