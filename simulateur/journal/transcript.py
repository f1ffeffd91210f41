"""A recorded terminal as plain text a jury can read (the report's transcript).

What a program writes to a terminal is text mixed with control sequences: colours, the window's
title, cursor moves and erasures (readline redraws the line being edited with them), the
alternate screen of full-screen programs (nano, less, top). Stripping the escape bytes alone
would leave every redraw and every backspace in the text; this plays the few moves that shape a
line — carriage return, backspace, tab, cursor left/right/column, erase in line, delete and insert
characters, cursor up within the text — and drops the rest. What a full-screen program showed is
not a log: one line says it ran, instead of its frames.
"""

from __future__ import annotations

import re

from simulateur.i18n import tr

# One token: a CSI sequence, an OSC/DCS/PM/APC string, a charset designation, another ESC pair,
# one control character, or a run of printable text.
_TOKEN = re.compile(
    r"\x1b\[(?P<csi>[0-?]*)[ -/]*(?P<final>[@-~])"
    r"|\x1b[\]P^_X][^\x07\x1b]*(?:\x07|\x1b\\|$)"
    r"|\x1b[()*+\-./].?"
    r"|\x1b.?"
    r"|(?P<ctl>[\x00-\x1f\x7f])"
    r"|(?P<text>[^\x00-\x1f\x7f\x1b]+)",
    re.DOTALL,
)
_ALT_SCREEN = {"?1049", "?1047", "?47"}
MAX_LINES = 4000  # beyond: the first and last halves, and how many lines were left out


def _count(params: str, default: int = 1) -> int:
    first = params.split(";", 1)[0]
    return int(first) if first.isdigit() and int(first) > 0 else default


class _Page:
    def __init__(self) -> None:
        self.lines: list[str] = [""]
        self.row = 0
        self.col = 0

    def put(self, text: str) -> None:
        line = self.lines[self.row]
        if len(line) < self.col:
            line += " " * (self.col - len(line))
        self.lines[self.row] = line[: self.col] + text + line[self.col + len(text) :]
        self.col += len(text)

    def newline(self) -> None:
        self.row += 1
        self.col = 0
        if self.row == len(self.lines):
            self.lines.append("")

    def csi(self, params: str, final: str) -> None:
        line = self.lines[self.row]
        n = _count(params)
        if final == "K":
            mode = _count(params, 0) if params else 0
            if mode == 0:
                self.lines[self.row] = line[: self.col]
            elif mode == 1:
                self.lines[self.row] = " " * min(self.col + 1, len(line)) + line[self.col + 1 :]
            else:
                self.lines[self.row] = ""
        elif final == "C":
            self.col += n
        elif final == "D":
            self.col = max(0, self.col - n)
        elif final == "G":
            self.col = n - 1
        elif final == "P":
            self.lines[self.row] = line[: self.col] + line[self.col + n :]
        elif final == "@":
            if self.col < len(line):
                self.lines[self.row] = line[: self.col] + " " * n + line[self.col :]
        elif final == "A":
            self.row = max(0, self.row - n)
        elif final == "B":
            for _ in range(n):
                self.newline()

    def text(self) -> str:
        lines = [line.rstrip() for line in self.lines]
        while lines and not lines[-1]:
            lines.pop()
        if len(lines) > MAX_LINES:
            half = MAX_LINES // 2
            lines = lines[:half] + [tr("transcript.cut", n=len(lines) - 2 * half)] + lines[-half:]
        return "\n".join(lines)


def plain_text(output: str) -> str:
    """The screen's text of a session, given everything it was sent (asciicast "o" events)."""
    page = _Page()
    alternate = False
    for m in _TOKEN.finditer(output):
        final = m.group("final")
        if final is not None:
            params = m.group("csi")
            if final in "hl" and any(p in _ALT_SCREEN for p in params.split(";")):
                entering = final == "h"
                if entering and not alternate:
                    if page.lines[page.row].strip():
                        page.newline()
                    page.put(tr("transcript.fullscreen"))
                    page.newline()
                alternate = entering
            elif not alternate:
                page.csi(params, final)
            continue
        if alternate:
            continue
        text = m.group("text")
        if text is not None:
            page.put(text)
            continue
        ctl = m.group("ctl")
        if ctl == "\n":
            page.newline()
        elif ctl == "\r":
            page.col = 0
        elif ctl == "\b":
            page.col = max(0, page.col - 1)
        elif ctl == "\t":
            page.col = (page.col // 8 + 1) * 8
    return page.text()
