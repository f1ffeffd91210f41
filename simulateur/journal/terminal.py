"""The trainee's terminal, relayed and recorded from the machine side.

A shell in a host never gets the trainee's own terminal (a pty of the machine): the host would
hold a file of the machine's that it can ioctl, and nothing would keep what the screen showed.
Instead the shell gets a pty of the host's own devpts instance, and this process — on the
machine, out of the host's reach — copies bytes between the two and records them:

- the pty's master is the host's /dev/ptmx, opened from the machine through the host's root with
  every link resolved inside it (simulateur.lab.confine.open_in); its peer is taken from the master
  with TIOCGPTPEER, never by a path the host could change, and is checked to be a terminal of the
  host's devpts (never of the machine's). The shell gets it as fd 0, 1, 2 and as controlling
  terminal (sandbox_agent.py's enter with "tty"): Ctrl-C, Ctrl-Z and job control are the host
  pty's line discipline's, full-screen programs see a real terminal of the size of ours;
- our terminal is put in raw mode (every key goes through as a byte, our terminal makes no signal)
  and restored on every way out: normal end, exception, SIGTERM or SIGHUP (re-delivered to the
  handler that was there before, once the terminal is back);
- SIGWINCH: our window's size is copied onto the host's pty (whose foreground programs then get
  their own SIGWINCH) and recorded;
- the recording (asciicast v2, simulateur.journal.asciicast) lives in the attempt's directory, on
  the machine's files: one file per session, written event by event.

A VM host's shell is already a process of the machine (its serial console's proxy,
simulateur.vm.console): it runs on a pty of the machine's own, relayed and recorded the same way.

What is typed is recorded too ("i" events), except at a password prompt: while the host's pty is
in canonical mode with echo off (what getpass, passwd, ssh, kinit set), printable keys are
recorded as "*" — the screen showed nothing, the recording keeps that something was typed.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import select
import signal
import stat
import struct
import subprocess
import termios
import time
import tty
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.journal import asciicast
from simulateur.lab import confine

TIOCSPTLCK = 0x40045431  # <asm-generic/ioctls.h> (not in Python's termios)
TIOCGPTPEER = 0x5441  # the same, Linux ≥ 4.13
PTMX_RDEV = os.makedev(5, 2)
CHUNK = 65536
BATCH = 262144  # output passed on (and recorded) at once, at most
DRAIN_IDLE = 0.05  # after the shell ended: output still on its way, read until this quiet
DEFAULT_SIZE = (80, 24)
_PRINTABLE = re.compile(rb"[^\x00-\x1f\x7f]")


class HostPty:
    """A pty pair: `master` stays with us, `peer` goes to the shell (then we close our copy)."""

    def __init__(self, master: int, peer: int) -> None:
        self.master = master
        self.peer = peer

    @classmethod
    def of_host(cls, root: Path) -> HostPty:
        """A new pty of the devpts instance of the host whose root is `root`, opened from the machine."""
        machine_pts = os.stat("/dev/pts").st_dev
        try:
            master = confine.open_in(root, "/dev/ptmx", os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError as exc:
            raise SimError(tr("terminal.no_pty", why=exc.strerror or exc)) from None
        try:
            st = os.fstat(master)
            if not stat.S_ISCHR(st.st_mode) or st.st_rdev != PTMX_RDEV:  # a file the host put there
                raise SimError(tr("terminal.no_pty", why=tr("terminal.not_ptmx")))
            pts = confine.open_in(root, "/dev/pts", os.O_PATH | os.O_DIRECTORY)
            try:
                host_pts = os.fstat(pts).st_dev
            finally:
                os.close(pts)
            fcntl.ioctl(master, TIOCSPTLCK, struct.pack("i", 0))
            peer = fcntl.ioctl(master, TIOCGPTPEER, os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
            if os.fstat(peer).st_dev != host_pts or host_pts == machine_pts:
                os.close(peer)
                raise SimError(tr("terminal.no_pty", why=tr("terminal.not_host_pts")))
        except OSError as exc:
            os.close(master)
            raise SimError(tr("terminal.no_pty", why=exc.strerror or exc)) from None
        except SimError:
            os.close(master)
            raise
        return cls(master, peer)

    @classmethod
    def of_machine(cls) -> HostPty:
        """A pty of the machine, for a shell that is itself a process of the machine (a VM's console)."""
        master, peer = os.openpty()
        os.set_blocking(master, False)
        os.set_inheritable(peer, False)
        return cls(master, peer)

    def spawn(self, argv: list[str], pass_fds: tuple[int, ...] = ()) -> subprocess.Popen[bytes]:
        """Start `argv` with the peer as its fd 0, 1, 2; our copy of the peer is closed."""
        try:
            return subprocess.Popen(argv, stdin=self.peer, stdout=self.peer, stderr=self.peer, pass_fds=pass_fds)
        finally:
            os.close(self.peer)
            self.peer = -1

    def close(self) -> None:
        for fd in (self.master, self.peer):
            if fd >= 0:
                os.close(fd)
        self.master = self.peer = -1


def window_size(fd: int) -> tuple[int, int] | None:
    """(columns, rows) of the terminal `fd`, None if it is not one."""
    try:
        rows, cols, _, _ = struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))
    except OSError:
        return None
    return (cols, rows) if cols and rows else None


def set_window_size(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


class _Stop(Exception):
    """SIGTERM or SIGHUP while relaying: unwind (terminal restored), then re-deliver `signum`."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _write_all(fd: int, data: bytes) -> None:
    """Write everything, waiting if `fd` is non-blocking and full (our terminal may be slow)."""
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view) :]
        except BlockingIOError:
            select.select([], [fd], [])


def _masked(master: int, data: bytes) -> bytes:
    """What to record of keys typed: printable ones as "*" at a password prompt (see the docstring)."""
    try:
        lflag = termios.tcgetattr(master)[3]
    except termios.error:
        return data
    if lflag & termios.ICANON and not lflag & termios.ECHO:
        return _PRINTABLE.sub(b"*", data)
    return data


class Relay:
    """Copies between our terminal (stdin/stdout) and a pty's master until the shell has ended."""

    def __init__(self, pty: HostPty, recorder: asciicast.CastWriter | None, stdin: int = 0, stdout: int = 1) -> None:
        self.pty = pty
        self.recorder = recorder
        self.stdin = stdin
        self.stdout = stdout
        self._pending = b""  # typed, not yet accepted by the pty (a program not reading)
        self._stdin_open = True
        self._resized = False
        self._wake_r, self._wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)

    def _on_winch(self, _signum: int, _frame: FrameType | None) -> None:
        """Only a flag and a byte: the loop does the rest (a handler writing to the recording could
        interrupt a write of it in progress)."""
        self._resized = True
        try:
            os.write(self._wake_w, b"w")
        except OSError:
            pass

    def resize(self, record: bool = True) -> None:
        """Our window's size onto the shell's pty (and into the recording, but for the first one:
        the header has it)."""
        size = window_size(self.stdout) or window_size(self.stdin)
        if size is None:
            return
        try:
            set_window_size(self.pty.master, *size)
        except OSError:
            return
        if record and self.recorder is not None:
            self.recorder.resize(*size)

    def run(self, proc: subprocess.Popen[bytes]) -> int:
        """Relay until `proc` has ended (and its last output is shown); its exit status."""
        saved = termios.tcgetattr(self.stdin) if os.isatty(self.stdin) else None
        handlers: dict[signal.Signals, Callable[[int, FrameType | None], object] | int | None] = {}

        def stop(signum: int, _frame: FrameType | None) -> None:
            raise _Stop(signum)

        try:
            handlers[signal.SIGWINCH] = signal.signal(signal.SIGWINCH, self._on_winch)
            for sig in (signal.SIGTERM, signal.SIGHUP):
                handlers[sig] = signal.signal(sig, stop)
            self.resize(record=False)
            if saved is not None:
                tty.setraw(self.stdin, termios.TCSADRAIN)
            self._loop(proc)
            self._drain()
            return proc.wait()
        except _Stop as exc:
            self._end(proc)
            for sig, old in handlers.items():
                signal.signal(sig, old)
            handlers.clear()
            if saved is not None:
                self._restore(saved)
                saved = None
            os.kill(os.getpid(), exc.signum)  # as if it came now, to whoever handled it before
            return 128 + exc.signum
        finally:
            if saved is not None:
                self._restore(saved)
            for sig, old in handlers.items():
                signal.signal(sig, old)
            self._end(proc)
            for fd in (self._wake_r, self._wake_w):
                if fd >= 0:
                    os.close(fd)
            self._wake_r = self._wake_w = -1

    def _restore(self, saved: list[Any]) -> None:
        try:
            termios.tcsetattr(self.stdin, termios.TCSADRAIN, saved)
        except termios.error:
            pass  # the terminal is gone (SIGHUP): nothing to give back

    def _end(self, proc: subprocess.Popen[bytes]) -> None:
        """The shell, if still there, gets a hangup (its terminal goes away), as when a window closes."""
        if proc.poll() is None:
            try:
                proc.send_signal(signal.SIGHUP)
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.recorder is not None:
            self.recorder.close()

    def _loop(self, proc: subprocess.Popen[bytes]) -> None:
        master = self.pty.master
        pidfd = os.pidfd_open(proc.pid)
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        poller.register(master, select.POLLIN)
        poller.register(self._wake_r, select.POLLIN)
        master_open = True
        if self._stdin_open:
            poller.register(self.stdin, select.POLLIN)
        try:
            while True:
                for fd, events in poller.poll():
                    if fd == pidfd:
                        return
                    if fd == master:
                        if events & select.POLLOUT:
                            self._flush_input()
                        if events & (select.POLLIN | select.POLLHUP | select.POLLERR) and not self._from_host():
                            poller.unregister(master)  # every peer closed: wait for the process
                            master_open = False
                    elif fd == self.stdin:
                        self._from_user(poller)
                    elif fd == self._wake_r:
                        while True:
                            try:
                                if not os.read(self._wake_r, 64):
                                    break
                            except BlockingIOError:
                                break
                    if self._resized:
                        self._resized = False
                        self.resize()
                    if master_open:
                        poller.modify(master, select.POLLIN | (select.POLLOUT if self._pending else 0))
        finally:
            os.close(pidfd)

    def _from_host(self) -> bool:
        """What the shell wrote, to our terminal and the recording: read until the pty is empty (up
        to BATCH bytes) and pass it on at once — a pty gives ~4 KiB a read, and each pass costs a
        write to our terminal and a line of the recording. False once every peer is closed."""
        parts: list[bytes] = []
        size = 0
        open_ = True
        while size < BATCH:
            try:
                data = os.read(self.pty.master, CHUNK)
            except BlockingIOError:
                break
            except OSError as exc:
                if exc.errno != errno.EIO:
                    raise
                data = b""
            if not data:
                open_ = False
                break
            parts.append(data)
            size += len(data)
        if parts:
            data = b"".join(parts)
            _write_all(self.stdout, data)
            if self.recorder is not None:
                self.recorder.output(data)
        return open_

    def _from_user(self, poller: select.poll) -> None:
        try:
            data = os.read(self.stdin, CHUNK)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # not a terminal, and at its end: nothing more will be typed
            poller.unregister(self.stdin)
            self._stdin_open = False
            return
        if self.recorder is not None:
            self.recorder.input(_masked(self.pty.master, data))
        self._pending += data
        self._flush_input()

    def _flush_input(self) -> None:
        try:
            done = os.write(self.pty.master, self._pending)
        except BlockingIOError:
            return
        except OSError:
            self._pending = b""
            return
        self._pending = self._pending[done:]

    def _drain(self) -> None:
        """Output the shell wrote just before it ended, still in the pty."""
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.pty.master], [], [], DRAIN_IDLE)
            if not ready or not self._from_host():
                return


def recording_path(directory: Path, host: str, started: float, n: int = 1) -> Path:
    """`<directory>/terminals/<date>-<time>-<host>.cast` (the n-th of that second: `<date>-<time>.<n>-<host>`):
    the host's name is what follows the second "-" (simulateur.journal.replay reads it back)."""
    folder = directory / "terminals"
    folder.mkdir(mode=0o700, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(started)) + (f".{n}" if n > 1 else "")
    return folder / f"{stamp}-{host}{asciicast.SUFFIX}"


def start_recording(directory: Path, host: str, lab: str, size: tuple[int, int]) -> asciicast.CastWriter:
    started = time.time()
    header = asciicast.Header(
        width=size[0],
        height=size[1],
        timestamp=int(started),
        title=tr("terminal.title", host=host, lab=lab),
        env={"TERM": os.environ.get("TERM", "xterm"), "SHELL": "/bin/bash"},
    )
    n = 1
    while True:  # two sessions of one host starting in the same second: the next name (O_EXCL)
        try:
            return asciicast.CastWriter(recording_path(directory, host, started, n), header)
        except FileExistsError:
            n += 1


def relay(
    pty: HostPty,
    argv: list[str],
    *,
    record_dir: Path | None,
    host: str,
    lab: str,
    pass_fds: tuple[int, ...] = (),
    started: Callable[[], None] | None = None,
) -> int:
    """Run `argv` (a shell on `pty`'s peer) with our terminal relayed to it and, if `record_dir` is
    given, recorded there; its exit status (128+N if a signal ended it). `started` runs once the
    process exists (the caller closes its copies of `pass_fds` there)."""
    size = window_size(1) or window_size(0) or DEFAULT_SIZE  # fds, not sys.stdout: the app may wrap it
    try:
        set_window_size(pty.master, *size)
        recorder = start_recording(record_dir, host, lab, size) if record_dir is not None else None
    except BaseException:
        pty.close()
        raise
    try:
        proc = pty.spawn(argv, pass_fds)
        if started is not None:
            started()
        code = Relay(pty, recorder, 0, 1).run(proc)
    finally:
        if recorder is not None:
            recorder.close()
        pty.close()
    return code if code >= 0 else 128 - code
