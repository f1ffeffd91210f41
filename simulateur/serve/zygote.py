"""The service's workers, forked warm: `python -m simulateur.serve.zygote FD` is started once by
the service, imports the engine and the command line once, then forks one child per allowed
request — a new Python and its imports for each command would cost the candidate about a second
per `exec`. Single-threaded (the service has threads: forking it would not be safe).

A request comes on the service's socket (SOCK_SEQPACKET: one record each) with its fds: a
channel to the service, then the client's stdin, stdout, stderr (and the fiche file she opened,
if any). The child takes the client's terminal as its own 0, 1, 2, starts a session of its own
(the service ends it and what it started with one killpg), says its PID on the channel, runs the
command as the command line would (cli.dispatch, with the values the service forces) and says its
exit status before it exits. The zygote never waits for its children (SIGCHLD ignored: the
kernel reaps them); the service learns each one's end from its channel."""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import traceback
from io import TextIOWrapper


def _preload() -> None:
    from simulateur import cli
    from simulateur.exam import cli as _exam_cli  # noqa: F401 — imported for its cost: the forks find it loaded
    from simulateur.probes import rawnet
    from simulateur.scoring import evaluate as _evaluate  # noqa: F401 — imported for its cost: the forks find it loaded
    from simulateur.session import run as _run  # noqa: F401 — imported for its cost: the forks find it loaded

    cli.build_parser()
    rawnet.layers()  # scapy, once for every worker (simulateur.probes.rawnet: ~0.14 s)


def child(req: dict, fds: list[int], service_sock: socket.socket) -> int:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    service_sock.close()
    os.setsid()
    channel, io = fds[0], fds[1:]
    for target, fd in enumerate(io[:3]):
        os.dup2(fd, target)
    for fd in io[:3]:
        if fd > 2:
            os.close(fd)
    os.chdir("/")
    for stream in (sys.stdout, sys.stderr):  # her terminal now: each line when written
        if isinstance(stream, TextIOWrapper):
            stream.reconfigure(line_buffering=True)
    os.environ["TERM"] = str(req.get("term") or "xterm")
    os.write(channel, f"{os.getpid()}\n".encode())
    code = 1
    try:
        from simulateur import cli

        args = cli.build_parser().parse_args(req["argv"])
        for key, value in req["overrides"].items():
            if key == "file" and value is not None:
                value = f"/dev/fd/{io[3]}"  # the file the client opened, with her rights
            setattr(args, key, value)
        code = cli.dispatch(args)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    except BaseException:  # noqa: BLE001 — the client gets one line, the service's log the rest
        from simulateur.i18n import tr

        with open(req["log"], "a", encoding="utf-8") as log:
            traceback.print_exc(file=log)
        print(f"simulateur : {tr('serve.internal')}", file=sys.stderr)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 — her terminal may be gone
                pass
    try:
        os.write(channel, f"{code}\n".encode())
    except OSError:
        pass
    return code


def main(argv: list[str]) -> int:
    sock = socket.socket(fileno=int(argv[0]))
    _preload()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the service's Ctrl+C is the service's to handle
    sock.sendall(b"ready")
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(sock, 1 << 20, 6)
        except InterruptedError:
            continue
        if not data:
            return 0  # the service is gone
        try:
            req = json.loads(data)
        except ValueError:
            req = None
        if req is None or len(fds) < 4:
            for fd in fds:
                os.close(fd)
            continue
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = child(req, fds, sock)
            finally:
                os._exit(code if 0 <= code < 256 else 1)
        for fd in fds:
            os.close(fd)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
