"""The attempt's timeline (journal/timeline.py), the recorded screen at a chosen time
(journal/screen.py) and the report holding both, self-contained."""

from __future__ import annotations

import json
import re
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulateur import referentiel
from simulateur.journal import asciicast, timeline
from simulateur.journal.replay import recordings
from simulateur.journal.screen import ScreenPlayer
from simulateur.journal.store import Entry, Journal
from simulateur.report import render
from simulateur.report.model import attempt_report
from simulateur.scoring import CheckResult, CriterionResult, Score
from simulateur.session.attempt import Attempt
from simulateur.session.store import Store


def _cast(events: list[list], width: int = 40, height: int = 6, timestamp: int = 1_700_000_000) -> asciicast.Cast:
    head = asciicast.Header(width=width, height=height, timestamp=timestamp).to_json()
    return asciicast.parse(head + "\n" + "\n".join(json.dumps(e) for e in events) + "\n")


# --- timeline ------------------------------------------------------------------------------------
def test_steps_are_ordered_marked_and_timed_from_the_attempts_start() -> None:
    t0 = 1_700_000_000.0
    entries = [
        Entry(t=t0 + 95, start=t0 + 90, host="poste", cmd="ping -c1 srv", rc=1),
        Entry(t=t0 + 21, start=t0 + 20, host="poste", cmd="ip a", rc=0),
        Entry(t=t0 + 31, host="poste", cmd="lpq", rc=127),  # no start: its end
        Entry(t=t0 + 61, start=t0 + 60, host="srv", cmd="systemctl restart dnsmasq && ping -c1 poste", rc=0),
        Entry(t=t0 + 70, start=t0 + 69, host="poste", cmd="ssh srv 'systemctl restart cups'", rc=0),
        Entry(t=t0 + 75, start=t0 + 74, host="srv", cmd="apt-get -s upgrade", rc=0, source="ssh", origin="poste"),
        Entry(t=t0 + 100, host="-", cmd="indice 1 consulté", rc=None, source="event"),
        Entry(t=t0 + 102, start=t0 + 101, host="srv", cmd="systemctl status dnsmasq", rc=3),
        Entry(t=t0 + 104, start=t0 + 103, host="srv", cmd="cp /etc/a /nulle/part", rc=1),
        Entry(t=t0 + 3700, start=t0 + 3699, host="poste", cmd="cd /etc", rc=None),
    ]
    steps = timeline.build(entries, t0)
    assert [(timeline.clock(s.at), s.host, s.mark, s.outcome) for s in steps] == [
        ("+00:20", "poste", "diagnostic", "ok"),
        ("+00:31", "poste", "other", "not_run"),  # not found: looked at nothing
        ("+01:00", "srv", "change", "ok"),
        ("+01:09", "poste", "change", "ok"),
        ("+01:14", "srv", "test", "ok"),  # a dry run changes nothing
        ("+01:30", "poste", "test", "failed"),
        ("+01:40", "-", "event", "unknown"),
        ("+01:41", "srv", "diagnostic", "nonzero"),  # a stopped service: the look still looked
        ("+01:43", "srv", "change", "failed"),
        ("+1:01:39", "poste", "other", "unknown"),
    ]
    assert steps[3].remote == ("srv",) and steps[4].origin == "poste"
    assert [s.failed for s in steps] == [False, True, False, False, False, True, False, False, True, False]
    assert timeline.hosts(steps) == ["poste", "srv"]
    n = timeline.counts(steps)
    assert (n["commands"], n["diagnostic"], n["change"], n["test"], n["failed"]) == (9, 2, 3, 2, 3)
    assert timeline.clock(-3) == "-00:03"


def test_the_timeline_of_an_attempt_reads_its_journal_and_start(tmp_path: Path) -> None:
    assert timeline.of_attempt(None) == [] and timeline.of_attempt(tmp_path) == []
    (tmp_path / "attempt.json").write_text(json.dumps({"started": 1000.0}))
    journal = Journal(tmp_path / "journal.jsonl")
    journal.append(Entry(t=1012, start=1010, host="poste", cmd="ip r", rc=0))
    with (tmp_path / "journal.jsonl").open("a") as f:
        f.write("abîmé\n")  # a damaged line is skipped
    assert [(s.at, s.cmd) for s in timeline.of_attempt(tmp_path)] == [(10.0, "ip r")]
    (tmp_path / "attempt.json").write_text("{")  # no readable start: the first command's
    assert [s.at for s in timeline.of_attempt(tmp_path)] == [0.0]


def test_a_step_finds_the_terminal_open_on_its_host_then(tmp_path: Path) -> None:
    (tmp_path / "terminals").mkdir()
    for name in ("20260101-100000-poste.cast", "20260101-100500-poste.cast", "20260101-100100-srv.cast"):
        (tmp_path / "terminals" / name).write_text("")
    found = recordings(tmp_path)
    first, second = (r for r in found if r.host == "poste")
    durations = {first.path: 120.0, second.path: 600.0}

    def at(t: float, host: str = "poste") -> tuple[str, float] | None:
        step = timeline.Step(at=0, t=first.started + t, host=host, cmd="x", rc=0, mark="diagnostic", source="shell")
        where = timeline.recording_at(found, step, durations)
        return None if where is None else (where[0].path.name, where[1])

    assert at(30) == ("20260101-100000-poste.cast", 30.5)
    assert at(200) == ("20260101-100000-poste.cast", 120.0)  # after the first ended: its end
    assert at(400) == ("20260101-100500-poste.cast", 100.5)
    assert at(-30) is None and at(30, "routeur") is None


# --- the screen at a chosen time --------------------------------------------------------------------
def test_the_screen_at_a_time_plays_moves_colours_and_full_screen_programs() -> None:
    cast = _cast(
        [
            [0.1, "o", "\x1b[1;31mrouge\x1b[0m $ "],
            [1.0, "o", "lx\b\x1b[Ks\r\n"],
            [1.1, "o", "a  b\r\n$ "],
            [2.0, "o", "nano f\r\n\x1b[?1049h\x1b[H\x1b[2J  GNU nano\r\nbonjour"],
            [20.0, "o", "\x1b[?1049l"],
            [20.1, "r", "50x8"],
            [20.2, "o", "$ exit\r\n"],
        ]
    )
    p = ScreenPlayer(cast)
    assert p.text() == ""
    p.seek(1.5)
    assert p.lines()[:3] == ["rouge $ ls", "a  b", "$"]
    first = p.screen.buffer[0][0]
    assert (first.data, first.fg, first.bold) == ("r", "red", True)
    p.seek(5)
    assert p.text() == "  GNU nano\nbonjour"  # the full-screen program as it was drawn
    p.seek(30)  # it left: the shell's screen is back
    assert p.lines()[:4] == ["rouge $ ls", "a  b", "$ nano f", "$ exit"]
    assert (p.screen.columns, p.screen.lines) == (50, 8) and p.at_end
    p.seek(1.05)  # back in time: replayed from the start
    assert p.text() == "rouge $ ls"


def test_playing_shortens_long_pauses() -> None:
    p = ScreenPlayer(_cast([[0.5, "o", "a"], [30.0, "o", "b"], [31.0, "o", "c"]]))
    p.advance(1.0)
    assert p.text() == "a"
    p.advance(2.0)  # 2.5 s after "a", which came 29.5 s before "b": straight to "b"
    assert p.text() == "ab" and p.position == 30.0
    p.advance(0.5)
    assert p.text() == "ab"
    p.advance(0.6)
    assert p.text() == "abc" and p.at_end


# --- the report ----------------------------------------------------------------------------------
class _Resources(HTMLParser):
    """Every tag and every attribute that could make a browser fetch something."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.refs: list[tuple[str, str, str]] = []
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_style = tag == "style"
        for name, value in attrs:
            if name in ("src", "href", "srcset", "action", "data", "poster", "background", "formaction"):
                self.refs.append((tag, name, value or ""))
            if name == "style":
                self.style += value or ""

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style += data


def _recorded_attempt() -> Attempt:
    attempt = Attempt.create("zz1", "dhcp-serveur-arrete", 7, "Zoé")
    started = attempt.info.started
    for host, cmd, rc, end in (
        ("poste", "ip a", 0, 20),
        ("srv", "systemctl restart dnsmasq", 0, 60),
        ("poste", "ping -c1 srv", 1, 90),
        ("poste", "curl http://srv.exemple/ '<img src=http://x.example/p.png>'", 7, 95),
    ):
        attempt.journal.append(Entry(t=started + end, start=started + end - 1, host=host, cmd=cmd, rc=rc))
    attempt.journal.append(Entry(t=started + 100, host="-", cmd="indice 1 consulté", source="event"))
    (attempt.dir / "terminals").mkdir()
    w = asciicast.CastWriter(
        attempt.dir / "terminals" / time.strftime("%Y%m%d-%H%M%S-poste.cast"),
        asciicast.Header(width=80, height=24, timestamp=int(started)),
    )
    w.output(b"\x1b[1;32mroot@poste\x1b[0m:~# ip a\r\n1: lo: <LOOPBACK,UP>\r\nroot@poste:~# pin\b\x1b[Kng -c1 srv\r\n")
    w.output(b"ping: srv: Nom ou service inconnu\r\n")
    w.close()
    crit, comp = referentiel.all_criteria()["TAI.CP14.4"][:2]
    attempt.save_result(
        CheckResult(
            lab="zz1",
            scenario="dhcp-serveur-arrete",
            seed=7,
            t=started + 120,
            criteria=[
                CriterionResult(
                    id=crit.id,
                    label=crit.label,
                    competence=comp.id,
                    competence_label=comp.label,
                    verdict="acquis",
                    evidence=["✓ dnsmasq tourne"],
                )
            ],
            probes=[],
            score=Score(acquis=1, evalues=1, jury=0),
        ).model_dump_json()
    )
    return attempt


def test_the_html_report_holds_the_timeline_and_transcript_and_fetches_nothing(tmp_path: Path) -> None:
    attempt = _recorded_attempt()
    report = attempt_report(attempt.dir.name, Store())
    iv = report.interventions[0]
    assert [(s.host, s.mark, s.outcome) for s in iv.timeline] == [
        ("poste", "diagnostic", "ok"),
        ("srv", "change", "ok"),
        ("poste", "test", "failed"),
        ("poste", "test", "failed"),
        ("-", "event", "unknown"),
    ]
    html = render(report, "html")

    # The timeline: one table per host, then the events; time, nature, result, the command as run.
    section = html[html.index("Chronologie des commandes") :]
    assert section.index("Sur « poste »") < section.index("Sur « srv »") < section.index("Événements")
    rows = re.findall(
        r'<tr><td class="at">([^<]*)</td><td class="m-(\w+)">([^<]*)</td><td class="o-(\w+)">([^<]*)</td>'
        r"<td><code>([^<]*)</code>",
        html,
    )
    assert rows[:3] == [
        ("+00:19", "diagnostic", "diagnostic", "ok", "réussie", "ip a"),
        ("+01:29", "test", "test", "failed", "échec (code 1)", "ping -c1 srv"),
        (
            "+01:34",
            "test",
            "test",
            "failed",
            "échec (code 7)",
            "curl http://srv.exemple/ &#x27;&lt;img src=http://x.example/p.png&gt;&#x27;",
        ),
    ]
    assert rows[3][:3] == ("+00:59", "change", "modification")
    assert "4 commandes : 1 diagnostic, 1 modification, 2 tests, 2 en échec" in html
    # The transcript: the screen's text, line edits played, sequences gone.
    transcript = re.search(r'<pre class="transcript">(.*?)</pre>', html, re.DOTALL)
    assert transcript is not None
    assert transcript.group(1).splitlines() == [
        "root@poste:~# ip a",
        "1: lo: &lt;LOOPBACK,UP&gt;",
        "root@poste:~# ping -c1 srv",
        "ping: srv: Nom ou service inconnu",
    ]

    # Self-contained: nothing a browser would fetch, no script (the URLs typed are text).
    found = _Resources()
    found.feed(html)
    assert found.refs == []
    assert not {"script", "link", "img", "iframe", "object", "embed", "video", "audio", "source", "base", "form"} & set(
        found.tags
    )
    assert "url(" not in found.style and "@import" not in found.style and "//" not in found.style
    assert "<meta http-equiv" not in html.lower()

    md = render(report, "md")
    assert "**Chronologie des commandes**" in md and "| +01:29 | test | échec (code 1) | `ping -c1 srv` |" in md
    assert "root@poste:~# ping -c1 srv" in md
    data = json.loads(render(report, "json"))
    assert data["interventions"][0]["timeline"][0]["mark_label"] == "diagnostic"


def test_the_report_of_an_attempt_without_journal_says_so(tmp_path: Path) -> None:
    attempt = _recorded_attempt()
    (attempt.dir / "journal.jsonl").unlink()
    html = render(attempt_report(attempt.dir.name, Store()), "html")
    assert "Aucune commande enregistrée." in html


@pytest.mark.parametrize("cmd, shown", [("echo `id`", "`` echo `id` ``"), ("a | b", "`a \\| b`")])
def test_markdown_keeps_any_command_in_code(cmd: str, shown: str) -> None:
    from simulateur.report.markdown import _code

    assert _code(cmd) == shown


_PIECES = [
    "abc",
    "ligne de texte assez longue pour passer à la ligne suivante toute seule ",
    "\r\n",
    "\r",
    "\x1b[1;31m",
    "\x1b[0m",
    "\x1b[44m",
    "\x1b[38;5;208m",
    "\x1b[7m",
    "\x1b[4h",
    "\x1b[4l",
    "\x1b[?7l",
    "\x1b[?7h",
    "\x1b(0",
    "\x1b(B",
    "lqqk",
    "\x1b[3;5H",
    "\x1b[K",
    "\x1b[2J",
    "\b\b",
    "\t",
    "日本",
    "e\u0301",
    "\x1b[5@",
    "\x1b[2P",
    "\x1b[r",
    "\x1b[2;4r",
    "\n\n\n\n\n\n",
    "\x1bM",
    "~" * 25,
]


@given(st.lists(st.sampled_from(_PIECES), max_size=40), st.integers(min_value=5, max_value=30))
@settings(max_examples=150, deadline=None)
def test_the_fast_drawing_leaves_every_cell_as_pyte_does(pieces: list[str], width: int) -> None:
    import pyte

    from simulateur.journal.screen import _Screen

    ours, theirs = _Screen(width, 6), pyte.Screen(width, 6)
    a, b = pyte.Stream(ours), pyte.Stream(theirs)
    for piece in pieces:
        a.feed(piece)
        b.feed(piece)
    assert [[ours.buffer[y][x] for x in range(width)] for y in range(6)] == [
        [theirs.buffer[y][x] for x in range(width)] for y in range(6)
    ]
    assert (ours.cursor.x, ours.cursor.y) == (theirs.cursor.x, theirs.cursor.y)


def test_going_back_starts_from_a_kept_screen_and_shows_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulateur.journal import screen

    monkeypatch.setattr(screen, "CHECKPOINT_CHARS", 50)
    events = [[i * 0.5, "o", f"\x1b[3{i % 8}mligne {i}\x1b[0m " + "x" * (i % 13) + "\r\n"] for i in range(200)]
    events += [[49.9, "o", "\x1b[?1049h\x1b[Hplein écran"], [74.9, "o", "\x1b[?1049l"], [59.9, "r", "30x5"]]
    events.sort(key=lambda e: e[0])
    cast = _cast(events, width=40, height=6)
    player = ScreenPlayer(cast)
    player.seek(cast.duration)
    assert len(player._checkpoints) > 10
    for t in (99.0, 80.0, 60.0, 55.0, 30.0, 3.2, 0.0, 99.5):
        player.seek(t)
        fresh = ScreenPlayer(cast)
        fresh.seek(t)
        assert player.lines() == fresh.lines(), t
        assert [list(player.screen.buffer[y].values()) for y in range(player.screen.lines)] == [
            list(fresh.screen.buffer[y].values()) for y in range(fresh.screen.lines)
        ], t


@given(
    st.lists(
        st.text(alphabet=st.sampled_from(list("ab\x1b[];?0123456789mHJKhlr\r\n\b\t()#%PX^_\\\x07\x9b日é\u0301"))),
        max_size=12,
    )
)
@settings(max_examples=200, deadline=None)
def test_no_recorded_output_breaks_the_player(chunks: list[str]) -> None:
    cast = _cast([[i * 0.1, "o", c] for i, c in enumerate(chunks) if c] + [[5.0, "r", "12x3"]], width=8, height=4)
    player = ScreenPlayer(cast)
    player.seek(cast.duration)
    player.lines()
    player.seek(0.25)
    assert len(player.lines()) == 4
