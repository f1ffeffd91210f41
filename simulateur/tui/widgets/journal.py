"""The journal of the attempt so far (read from journal.jsonl, which the shells write)."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.widgets import DataTable

from simulateur.i18n import tr
from simulateur.journal.store import Journal
from simulateur.tui import format as F


class JournalTable(DataTable[object]):
    """Re-reads the journal when its file changes (commands typed in a second terminal show up too)."""

    def __init__(self, journal: Journal, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.journal = journal
        self._seen: tuple[int, int] | None = None

    def on_mount(self) -> None:
        self.add_column(tr("tui.journal.col.time"), key="t")
        self.add_column(tr("tui.journal.col.host"), key="host")
        self.add_column(tr("tui.journal.col.rc"), key="rc")
        self.add_column(tr("tui.journal.col.cmd"), key="cmd")
        self.reload()
        self.set_interval(1, self.reload)

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = Path(self.journal.path).stat()
        except FileNotFoundError:
            return None
        return st.st_size, st.st_mtime_ns

    def reload(self, force: bool = False) -> None:
        stamp = self._stamp()
        if stamp == self._seen and not force:
            return
        self._seen = stamp
        entries = sorted(self.journal.entries(), key=lambda e: e.t)
        self.clear()
        for e in entries:
            if e.source == "event":
                self.add_row(F.hour(e.t), "—", "", Text(e.cmd, style="italic cyan"))
                continue
            rc = Text("—", style="dim") if e.rc is None else Text(str(e.rc), style="green" if e.rc == 0 else "red")
            self.add_row(F.hour(e.start or e.t), e.host, rc, e.cmd)
        if entries:
            self.move_cursor(row=len(entries) - 1)

    @property
    def commands(self) -> int:
        return sum(1 for e in self.journal.entries() if e.source != "event")
