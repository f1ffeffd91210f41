#!/usr/bin/python3 -I
"""ssh-session — what sshd runs for every SSH session of a lab host (its ForceCommand).

It runs what the client asked for, as sshd would have, and sends each command of the session to
the attempt's journal, which is kept outside this host: a one-shot command
(`ssh poste 'systemctl restart cups'`) with its exit code; an interactive session through the
same recorded bash as `simulateur shell` (/etc/simulateur/bashrc writes each command, its time
and exit code to SIMULATEUR_JOURNAL_FD, read here).

The journal's collector listens on /run/simulateur/journal.sock (bound from outside the host).
It identifies this process by the socket's credentials and takes where the session comes from
from the kernel — the TCP connection this process's sshd holds, seen from the machine — never
from this process's environment (SSH_CONNECTION) nor from what is written on the socket. A
session the kernel shows no connection for is refused ("no" and the reason): it runs, unrecorded
as an SSH session. Without a collector (a lab with no attempt: self-test, benchmark) the session
runs unrecorded.

Standard library only; never imports simulateur (it runs inside the host).
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time

SOCK = "/run/simulateur/journal.sock"
SHELL = "/bin/bash"
RCFILE = "/etc/simulateur/bashrc"


def connect():
    """The journal, once the collector has checked who we are (it answers "ok")."""
    if not os.path.exists(SOCK):
        return None
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.settimeout(5)
        s.connect(SOCK)
        s.sendall(b'{"event": "open"}\n')
        answer = s.makefile("rb").readline(4096)
        s.settimeout(None)
    except OSError:
        answer = b""
    if answer != b"ok\n":
        s.close()
        if answer.startswith(b"no "):  # the collector's reason, in French
            sys.stderr.write(answer[3:].decode(errors="replace"))
        else:
            sys.stderr.write(
                "simulateur : journal de la tentative injoignable, cette session SSH n'est pas enregistrée\n"
            )
        return None
    return s


def send(s, **record):
    if s is None:
        return
    record.setdefault("t", time.time())
    try:
        s.sendall((json.dumps(record, ensure_ascii=False) + "\n").encode())
    except OSError:
        pass


def returncode(rc):
    return 128 - rc if rc < 0 else rc


def one_shot(s, command, env):
    start = time.time()
    try:
        rc = returncode(subprocess.call([SHELL, "-c", command], env=env))
    except OSError as exc:
        sys.stderr.write("ssh-session : %s\n" % exc)
        rc = 126
    send(s, cmd=command, rc=rc, start=start)
    return rc


def interactive(s, env):
    read_fd, write_fd = os.pipe()
    env["SIMULATEUR_JOURNAL_FD"] = str(write_fd)

    def pump():
        buf = b""
        with os.fdopen(read_fd, "rb", buffering=0) as pipe:
            while True:
                chunk = pipe.read(4096)
                if not chunk:
                    break
                buf += chunk
                *records, buf = buf.split(b"\0")
                for rec in records:
                    parts = rec.decode(errors="replace").split("\t", 2)
                    if len(parts) != 3:
                        continue
                    rc, ts, cmd = parts
                    send(
                        s,
                        cmd=cmd,
                        rc=int(rc) if rc.lstrip("-").isdigit() else None,
                        start=float(ts) if ts.isdigit() else None,
                    )

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    proc = subprocess.Popen([SHELL, "--rcfile", RCFILE, "-i"], pass_fds=(write_fd,), env=env)
    os.close(write_fd)
    rc = returncode(proc.wait())
    reader.join(timeout=2)
    return rc


def main():
    s = connect()
    env = dict(os.environ)
    command = env.pop("SSH_ORIGINAL_COMMAND", None)
    rc = one_shot(s, command, env) if command is not None else interactive(s, env)
    if s is not None:
        s.close()
    return rc


if __name__ == "__main__":
    sys.exit(main())
