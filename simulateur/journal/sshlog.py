"""sshd's log, kept outside its host: what a host's sshd says (« Accepted publickey for root from
ADDRESS port P … »), written to a file of the attempt that no host can reach.

The host's sshd logs to syslog (the unit's ExecStart has no -e once the collector is there,
simulateur.lab.services.sshd): glibc's syslog() connects to /dev/log for each line, and the host's
/dev/log is a stream socket bound from outside by the host's collector (simulateur.journal.remote,
a process of the machine). For each connection the collector asks the kernel who is talking
(SO_PEERCRED, and SO_PEERPIDFD whose pidfs inode never names another process) and keeps the line
only if that process is the host's sshd: in the host's PID namespace, running /usr/sbin/sshd whose
content is the machine's own sshd (a binary put in its place by the host's root is not sshd). A
process that ended before it could be checked is trusted only if it was checked before (an sshd
that logged earlier: its « Disconnected » line comes as it exits).

Each kept line goes to ATTEMPT/sshd-HOST.log (time of the machine, the sender's PID as the host
numbers it, sshd's text), and — so that `journalctl -u ssh` in the host shows what it always
showed — to the host's own /var/log/sysd/NAME.log, as `sshd -e` would have written it. The host
can rewrite its own copy; never the attempt's.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import re
import select
import socket
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path

LOG_DIR, LOG_NAME = "/dev", "log"
SO_PEERPIDFD = getattr(socket, "SO_PEERPIDFD", 77)  # Linux ≥ 6.5
MAX_LINE = 8192
# <PRI>TIMESTAMP TAG[PID]: TEXT  (glibc syslog(3), as sent on the socket)
SYSLOG = re.compile(rb"^<\d{1,3}>(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d )?[^\s\[:]+(?:\[\d+\])?: ?(.*)$", re.DOTALL)


def attempt_log(attempt_dir: Path, host: str) -> Path:
    """Where the attempt keeps `host`'s sshd log (the jury's copy)."""
    return attempt_dir / f"sshd-{host}.log"


def _digest(path: str) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def _host_pid(pid: int) -> int | None:
    """`pid`'s number in its own (the host's) PID namespace."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("NSpid:"):
                return int(line.split()[-1])
    except (OSError, ValueError):
        return None
    return None


class SshdLog:
    """The sshd log of one host: who may write it, and where it goes."""

    def __init__(
        self, binary: str, pid_ns: tuple[int, int], outside: Path, inside: Callable[[str], None] | None = None
    ) -> None:
        self.binary = binary
        self.pid_ns = pid_ns
        self.outside = outside
        self.inside = inside  # appends a line to the host's own copy, or None
        self.machine_sshd = _digest(binary)
        self._trusted: dict[int, int] = {}  # pidfs inode → host PID of processes checked to be the host's sshd
        self._exes: dict[tuple[int, int, int, int], bool] = {}
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[tuple[socket.socket, int]] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None

    def _is_sshd(self, pid: int) -> bool:
        try:
            ns = os.stat(f"/proc/{pid}/ns/pid")
            if (ns.st_dev, ns.st_ino) != self.pid_ns or os.readlink(f"/proc/{pid}/exe") != self.binary:
                return False
            st = os.stat(f"/proc/{pid}/exe")
        except OSError:
            return False
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        if key not in self._exes:
            self._exes[key] = self.machine_sshd is not None and _digest(f"/proc/{pid}/exe") == self.machine_sshd
        return self._exes[key]

    def sender(self, conn: socket.socket) -> int | None:
        """The host PID of the host's sshd talking on `conn`, or None if it is anything else."""
        pid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))[0]
        if pid <= 0:
            return None
        try:
            pidfd = conn.getsockopt(socket.SOL_SOCKET, SO_PEERPIDFD)
        except OSError:
            return None
        try:
            identity = os.fstat(pidfd).st_ino
            if identity in self._trusted:
                return self._trusted[identity]
            host_pid = _host_pid(pid)
            ok = self._is_sshd(pid)
            # Still running: the PID checked was the sender's, not a reuse of it after its end.
            if ok and host_pid is not None and not select.select([pidfd], [], [], 0)[0]:
                self._trusted[identity] = host_pid
                return host_pid
            return None
        finally:
            os.close(pidfd)

    def take(self, conn: socket.socket) -> None:
        """A new connection to /dev/log: its sender checked at once (it may end right after its
        line), then read in turn with the others, so that the lines keep sshd's order."""
        try:
            pid = self.sender(conn)
        except OSError:
            pid = None
        if pid is None:
            conn.close()
            return
        if self._worker is None:
            self._worker = threading.Thread(target=self._drain, daemon=True)
            self._worker.start()
        self._queue.put((conn, pid))

    def _drain(self) -> None:
        while True:
            conn, pid = self._queue.get()
            self.serve(conn, pid)

    def serve(self, conn: socket.socket, pid: int) -> None:
        with conn:
            conn.settimeout(1.0)  # glibc's syslog() closes right after its line
            data = b""
            with contextlib.suppress(OSError):
                while len(data) < 16 * MAX_LINE:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
        for raw in data.split(b"\0"):
            m = SYSLOG.match(raw.strip(b"\n")[:MAX_LINE])
            if m:
                self.write(pid, m.group(1).decode(errors="replace").rstrip("\n").replace("\n", " "))

    def write(self, pid: int, text: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        with self._lock:
            with open(self.outside, "a", encoding="utf-8") as f:
                f.write(f"{stamp} sshd[{pid}]: {text}\n")
            if self.inside is not None:
                with contextlib.suppress(OSError):
                    self.inside(text + "\n")
