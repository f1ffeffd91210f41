"""simulateur's control channel into a VM: the guest's second serial port (ttyS1), where a
busybox shell loop (guestfiles/sim-agent) runs one base64-encoded script per request and
answers with its output, errors and exit code. One client at a time (a lock file): qemu's
socket chardev serves a single connection.

The trainee, root in the guest, could kill or replace that loop: the agent is used for `exec`
and for reading the guest's files, never as the only evidence of a probe (see vm.probes: QMP,
the DHCP server's leases and pings from outside).
"""

from __future__ import annotations

import base64
import fcntl
import secrets
import socket
import subprocess
import time
from pathlib import Path

READY_TIMEOUT = 60.0


def _agent_exchange(
    sock_path: Path, lock: Path, script: str, timeout: float, slack: float = 5.0
) -> tuple[int, str, str]:
    rid = secrets.token_hex(4)
    payload = base64.b64encode(script.encode()).decode()
    t = max(1, int(timeout))
    with open(lock, "w") as lf:
        fcntl.flock(lf, fcntl.LOCK_EX)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout + slack)
        try:
            s.connect(str(sock_path))
            s.sendall(f"\n{rid} {t} {payload}\n".encode())  # the leading newline ends any partial line
            buf = b""
            end = f"@@SIM-END {rid} ".encode()
            deadline = time.monotonic() + timeout + slack
            while True:
                i = buf.find(end)
                if i >= 0 and b"\n" in buf[i:]:
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError
                chunk = s.recv(65536)
                if not chunk:
                    raise ConnectionError("agent")
                buf += chunk
        finally:
            s.close()
    text = buf.decode(errors="replace").replace("\r", "")
    start = text.find(f"@@SIM-OUT {rid}\n")
    mid = text.find(f"@@SIM-ERR {rid}\n")
    stop = text.find(f"@@SIM-END {rid} ")
    out = base64.b64decode("".join(text[start:mid].splitlines()[1:]) or b"")
    err = base64.b64decode("".join(text[mid:stop].splitlines()[1:]) or b"")
    rc = int(text[stop:].split()[2])
    return rc, out.decode(errors="replace"), err.decode(errors="replace")


def run_script(
    sock_path: Path, lock: Path, script: str, timeout: float = 30, slack: float = 5.0
) -> subprocess.CompletedProcess[str]:
    """Run a shell script in the guest (busybox sh); 124 on timeout, 125 if the agent is gone.
    `slack`: how long past `timeout` to wait for the answer (the guest's own timeout kills first)."""
    try:
        rc, out, err = _agent_exchange(sock_path, lock, script, timeout, slack)
    except TimeoutError:
        return subprocess.CompletedProcess([script], 124, "", "délai dépassé")
    except (OSError, ConnectionError, ValueError, IndexError) as exc:
        return subprocess.CompletedProcess([script], 125, "", f"agent de la VM injoignable ({exc})")
    if rc == 137:  # the agent's `timeout -s KILL`
        rc = 124
    return subprocess.CompletedProcess([script], rc, out, err)


def wait_ready(sock_path: Path, lock: Path, timeout: float = READY_TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # A request sent before the agent reads its port is lost: ask again every 0.3 s.
        res = run_script(sock_path, lock, "echo ok", timeout=1, slack=-0.7)
        if res.returncode == 0 and res.stdout.strip() == "ok":
            return True
        time.sleep(0.05)
    return False
