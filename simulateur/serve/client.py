"""The CLI's side of the service: run by anyone but root, the commands of an examen blanc (and a
candidate's lab commands) are not run here but asked of `simulateur serve`, with this process's
terminal (stdin, stdout, stderr) handed over so that the service's worker reads and writes it
directly — a candidate's shell is the service's recorded relay, on her terminal, and no process
of hers runs in a host. Light: imported by every unprivileged command, it imports no engine."""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import sys
from typing import Any

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.serve import protocol

#: Commands asked of the service when not root (see roles.VERBS for what each role may do).
FORWARDED = {
    "simulateur.exam.cli": None,  # every `exam …`, `report`, `attempts`
    "simulateur.entretien.cli": {"cmd_entretien"},  # exam entretien
    "simulateur.quiz.examcli": None,  # exam quiz, quiz-start, quiz-answer, quiz-submit, quiz-mark
    "simulateur.epreuve.cli": {"cmd_start", "cmd_next", "cmd_status", "cmd_final", "cmd_report", "cmd_list"},
    "simulateur.cli": {"cmd_shell", "cmd_exec", "cmd_qualify", "cmd_escalate", "cmd_cable", "cmd_check"},
}


def forwarded(args: argparse.Namespace) -> bool:
    func = getattr(args, "func", None)
    if func is None or func.__module__ not in FORWARDED:
        return False
    names = FORWARDED[func.__module__]
    return names is None or func.__name__ in names


def _connect() -> socket.socket:
    path = protocol.socket_path()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(path))
    except (FileNotFoundError, ConnectionRefusedError):
        sock.close()
        raise SimError(tr("serve.not_running", path=path), exit_code=4) from None
    except PermissionError:
        sock.close()
        raise SimError(tr("serve.no_access", path=path), exit_code=4) from None
    return sock


def forward(argv: list[str], args: argparse.Namespace) -> int:
    """Ask the service to run this command; its exit status (the service's refusal: one line)."""
    fds = [0, 1, 2]
    opened: list[int] = []
    try:
        fiche = (
            getattr(args, "file", None)
            if getattr(args, "func", None) and args.func.__name__ in ("cmd_fiche", "cmd_roster", "cmd_new")
            else None
        )
        if fiche is not None:  # read with our rights, not the service's
            opened.append(_open(fiche, os.O_RDONLY))
            fds.append(opened[-1])
        output = getattr(args, "output", None)
        if output is not None and output != "-" and args.func.__name__ in ("cmd_report", "cmd_attempts"):
            opened.append(_open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644))
            fds[1] = opened[-1]  # written with our rights: the service writes on our file
        sock = _connect()
        with sock, terminal_kept(), _resizes_told(sock):
            protocol.send(sock, {"argv": argv, "term": os.environ.get("TERM", "xterm")}, fds)
            try:
                reply, _ = protocol.recv(sock)
            except KeyboardInterrupt:
                return 130
    finally:
        for fd in opened:
            os.close(fd)
    if reply is None:
        raise SimError(tr("serve.gone"), exit_code=4)
    if "error" in reply:
        raise SimError(str(reply["error"]), exit_code=int(reply.get("code", 3)))
    code = int(reply.get("code", 1))
    if code == 0 and output not in (None, "-") and args.func.__name__ in ("cmd_report", "cmd_attempts"):
        print(tr("serve.written", path=output), file=sys.stderr)
    return code


def _open(path: str, flags: int, mode: int = 0o644) -> int:
    try:
        return os.open(path, flags, mode)
    except OSError as exc:
        raise SimError(tr("serve.cannot_open", path=path, why=exc.strerror or exc), exit_code=2) from None


@contextlib.contextmanager
def terminal_kept(raw: bool = False) -> Any:
    """Our terminal's settings as they were, whatever happens meanwhile: the service's relay on
    it (raw mode for a shell, then a shell closed at the deadline) — or, with `raw`, raw mode set
    here (the remote shell: every key, Ctrl+C included, to the host's shell)."""
    import termios
    import tty

    saved = None
    with contextlib.suppress(termios.error, OSError):
        saved = termios.tcgetattr(0)
        if raw:
            tty.setraw(0)
    try:
        yield
    finally:
        if saved is not None:
            with contextlib.suppress(termios.error, OSError):
                termios.tcsetattr(0, termios.TCSAFLUSH, saved)
        sys.stdout.flush()


@contextlib.contextmanager
def on_winch(handler: Any) -> Any:
    """`handler` on SIGWINCH (our window resized: the terminal's foreground is told) meanwhile;
    nothing outside the main thread, where no signal handler may be set."""
    import signal

    try:
        old = signal.signal(signal.SIGWINCH, handler)
    except ValueError:  # not the main thread: no resizes
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGWINCH, old)


def _resizes_told(sock: socket.socket) -> Any:
    """Our window resized: the service tells its worker, whose relay reads the new size from the
    same terminal."""

    def told(*_: object) -> None:
        with contextlib.suppress(OSError):
            sock.send(protocol.RESIZE)

    return on_winch(told)
