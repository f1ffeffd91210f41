"""`simulateur shell LAB HOST` on a VM host: the trainee's terminal joined to the guest's serial
console (ttyS0, a unix socket of qemu), journaling on the machine side.

The guest's shell prompt (guestfiles/profile) carries an invisible OSC sequence
`ESC ] 7770 ; <exit code> ; <base64 of the last history line> BEL`: this proxy removes it from
what the terminal shows and, each time the history's last entry changes, records that command
with its exit code and the time its first key was typed. The journal is written by this process,
outside the guest: nothing the trainee does in the guest rewrites entries already recorded.
Limits (said as they are): a command typed while another program reads the console (vi, a
pager) is recorded only if the shell puts it in its history; a trainee who prints a forged
marker can add a line to the journal (never remove or change one).

`exit` (or Ctrl-D) ends the guest's shell and brings the trainee back, as on the other hosts (the
guest's init starts a fresh shell on the console); Ctrl-] leaves without ending it.
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import select
import socket
import sys
import termios
import time
import tty

ESCAPE = 0x1D  # Ctrl-]
START = b"\x1b]7770;"
MARKER = re.compile(rb"\x1b\]7770;(-?\d+);([A-Za-z0-9+/=]*)\x07")
EXITED = b"\x1b]7771;\x07"  # the guest's login shell ends (trap EXIT in /etc/profile): back to the machine


class Journaler:
    def __init__(self, fd: int | None) -> None:
        self.fd = fd
        self.last: str | None = None  # last history entry seen (number and text)
        self.typed_at: float | None = None  # first key after the last prompt
        self.exited = False  # the shell said it exits (`exit`, Ctrl-D)

    def keys(self) -> None:
        if self.typed_at is None:
            self.typed_at = time.time()

    def prompt(self, rc: str, b64: str) -> None:
        try:
            line = base64.b64decode(b64).decode(errors="replace").strip()
        except ValueError:
            line = ""
        started = self.typed_at
        self.typed_at = None
        if self.last is None or line == self.last or not line:
            self.last = line or (self.last if self.last is not None else "")
            return
        self.last = line
        cmd = line.split(None, 1)[1] if line.split(None, 1)[0].isdigit() and " " in line else line
        if self.fd is not None:
            ts = str(int(started)) if started else str(int(time.time()))
            os.write(self.fd, f"{rc}\t{ts}\t{cmd}".encode() + b"\0")


def filter_output(buf: bytes, journal: Journaler) -> tuple[bytes, bytes]:
    """(what the terminal shows, what is kept for the next chunk: an unfinished marker)."""
    if EXITED in buf:
        journal.exited = True
        buf = buf.replace(EXITED, b"")
    out = bytearray()
    pos = 0
    for m in MARKER.finditer(buf):
        out += buf[pos : m.start()]
        journal.prompt(m.group(1).decode(), m.group(2).decode())
        pos = m.end()
    rest = buf[pos:]
    cut = rest.rfind(b"\x1b")
    if cut >= 0 and b"\x07" not in rest[cut:] and len(rest) - cut < 65536:
        tail = rest[cut:]
        if tail.startswith(START) or START.startswith(tail) or EXITED.startswith(tail):  # cut in two
            return bytes(out + rest[:cut]), tail
    return bytes(out + rest), b""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("host")
    ap.add_argument("--journal-fd", type=int)
    args = ap.parse_args(argv)
    from simulateur.i18n import tr

    journal = Journaler(args.journal_fd)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(args.socket)
    print(tr("vm.console_banner", host=args.host), file=sys.stderr)
    stdin = sys.stdin.fileno()
    is_tty = os.isatty(stdin)
    saved = termios.tcgetattr(stdin) if is_tty else None
    if is_tty:
        tty.setraw(stdin)
    sock.sendall(b"\n")  # a fresh prompt (the journal's starting point)
    pending = b""
    try:
        while True:
            ready, _, _ = select.select([stdin, sock], [], [])
            if sock in ready:
                data = sock.recv(65536)
                if not data:
                    return 0
                shown, pending = filter_output(pending + data, journal)
                os.write(sys.stdout.fileno(), shown)
                if journal.exited:
                    return 0
            if stdin in ready:
                data = os.read(stdin, 4096)
                if not data or (is_tty and ESCAPE in data):
                    if not data:  # end of input (a pipe): let the last command finish and print
                        sock.sendall(b"")
                        end = time.monotonic() + 2
                        while time.monotonic() < end:
                            r, _, _ = select.select([sock], [], [], 0.2)
                            if r:
                                chunk = sock.recv(65536)
                                if not chunk:
                                    break
                                shown, pending = filter_output(pending + chunk, journal)
                                os.write(sys.stdout.fileno(), shown)
                    return 0
                journal.keys()
                sock.sendall(data)
    finally:
        if saved is not None:
            termios.tcsetattr(stdin, termios.TCSADRAIN, saved)
        sock.close()


if __name__ == "__main__":
    raise SystemExit(main())
