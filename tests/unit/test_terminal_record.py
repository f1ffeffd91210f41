"""The recorded terminal without a lab: the asciicast format, the transcript, the replay's timing, and
the relay itself between two ptys of the machine (a shell of the machine standing for the host's)."""

from __future__ import annotations

import io
import json
import os
import select
import signal
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from simulateur.errors import SimError, UsageError
from simulateur.journal import asciicast, replay, terminal
from simulateur.journal.transcript import plain_text


def _header() -> asciicast.Header:
    return asciicast.Header(
        width=80,
        height=24,
        timestamp=1_700_000_000,
        title="poste — laboratoire t1",
        env={"TERM": "xterm", "SHELL": "/bin/bash"},
    )


# --- format ------------------------------------------------------------------------------------
def test_writer_output_is_asciicast_v2_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "s.cast"
    w = asciicast.CastWriter(path, _header())
    w.output(b"caf\xc3")  # a character cut between two reads stays whole
    w.output(b"\xa9 \x1b[1mgras\x1b[0m\r\n")
    w.input(b"ls\r")
    w.resize(100, 30)
    lines = path.read_text().splitlines()  # every event is in the file before close()
    assert len(lines) == 5
    head = json.loads(lines[0])
    assert head == {
        "version": 2,
        "width": 80,
        "height": 24,
        "timestamp": 1_700_000_000,
        "env": {"TERM": "xterm", "SHELL": "/bin/bash"},
        "title": "poste — laboratoire t1",
    }
    w.close()
    cast = asciicast.read(path)
    assert cast.output() == "café \x1b[1mgras\x1b[0m\r\n"
    assert [e.code for e in cast.events] == ["o", "o", "i", "r"]
    assert cast.events[2].data == "ls\r" and cast.events[3].data == "100x30"
    assert all(a.t <= b.t for a, b in zip(cast.events, cast.events[1:]))
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_a_last_line_cut_short_is_kept_out_not_fatal() -> None:
    text = _header().to_json() + '\n[0.1, "o", "un"]\n[0.2, "o", "de'
    cast = asciicast.parse(text)
    assert cast.truncated and cast.output() == "un"


@pytest.mark.parametrize(
    "text, line",
    [
        ("", 1),
        ("pas du json\n", 1),
        ('{"version": 1, "width": 80, "height": 24}\n', 1),
        ('{"version": 2, "width": 0, "height": 24}\n', 1),
        (_header().to_json() + '\n[0.1, "o", "a"]\nabîmé\n[0.3, "o", "b"]\n', 3),
        (_header().to_json() + '\n[0.1, "o"]\n', 2),
        (_header().to_json() + '\n[0.5, "o", "a"]\n[0.1, "o", "b"]\n', 3),
    ],
)
def test_corrupt_recordings_say_where(text: str, line: int) -> None:
    with pytest.raises(asciicast.CastError) as err:
        asciicast.parse(text)
    assert err.value.line == line and err.value.why


# --- transcript --------------------------------------------------------------------------------
def test_transcript_plays_line_edits_and_drops_sequences() -> None:
    out = (
        "\x1b]0;root@poste: ~\x07\x1b[?2004h\x1b[1;32mroot@poste\x1b[0m:~# lx\b\x1b[Ks -l\r\n"
        "\x1b[?2004l\rtotal 0\r\n"
        "progression 10%\rprogression 100%\r\n"
        "a\tb\r\n"
        "\x1b[?1049h\x1b[H\x1b[2Jécran de nano\x1b[?1049l"
        "root@poste:~# exit\r\n"
    )
    assert plain_text(out).splitlines() == [
        "root@poste:~# ls -l",
        "total 0",
        "progression 100%",
        "a       b",
        "[programme plein écran : son affichage n'est pas retranscrit]",
        "root@poste:~# exit",
    ]


def test_transcript_of_a_long_session_keeps_both_ends() -> None:
    text = plain_text("".join(f"ligne {i}\r\n" for i in range(10_000)))
    lines = text.splitlines()
    assert lines[0] == "ligne 0" and lines[-1] == "ligne 9999" and "lignes omises" in text
    assert len(lines) < 4100


# --- replay ------------------------------------------------------------------------------------
def test_play_keeps_timing_caps_pauses_and_applies_speed() -> None:
    cast = asciicast.parse(
        _header().to_json()
        + "\n"
        + "\n".join(
            json.dumps(e)
            for e in [
                [0.5, "o", "a"],
                [0.6, "i", "x"],
                [1.5, "o", "b"],
                [31.5, "o", "c"],
                [31.75, "r", "90x30"],
                [32.0, "o", "d"],
            ]
        )
    )
    slept: list[float] = []
    out = io.StringIO()
    replay.play(cast, out, speed=2.0, sleep=slept.append)
    assert out.getvalue() == "abcd"
    assert slept == pytest.approx([0.25, 0.5, 1.0, 0.25])  # 0.5, 1.0, 30 s capped at 2, 0.5 — halved


def _attempt(data: Path, name: str = "20260101-100000-sc-t1") -> Path:
    directory = data / "attempts" / name
    (directory / "terminals").mkdir(parents=True)
    (directory / "attempt.json").write_text("{}")
    return directory


def test_replay_lists_selects_and_says_what_is_wrong_in_french(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SIMULATEUR_DATA", str(tmp_path))
    directory = _attempt(tmp_path)
    with pytest.raises(SimError, match="aucun terminal enregistré"):
        replay.replay(directory.name)
    for host, stamp in (("poste", "20260101-100005"), ("srv-web", "20260101-100005.2")):
        w = asciicast.CastWriter(directory / "terminals" / f"{stamp}-{host}.cast", _header())
        w.output(f"bonjour de {host}\r\n".encode())
        w.close()
    assert [(r.n, r.host) for r in replay.recordings(directory)] == [(1, "poste"), (2, "srv-web")]
    listing = "\n".join(replay.list_lines(directory.name))
    assert "1." in listing and "poste" in listing and "srv-web" in listing and "80x24" in listing
    out = io.StringIO()
    replay.replay(directory.name, host="srv-web", speed=1000, out=out)
    assert "bonjour de srv-web" in out.getvalue() and "bonjour de poste" not in out.getvalue()
    with pytest.raises(SimError, match="« routeur »"):
        replay.replay(directory.name, host="routeur")
    with pytest.raises(UsageError, match="session n° 3"):
        replay.replay(directory.name, session=3)
    with pytest.raises(UsageError, match="vitesse"):
        replay.replay(directory.name, speed=0)
    with pytest.raises(UsageError, match="introuvable"):
        replay.replay("../etc")
    (directory / "terminals" / "20260101-100005-poste.cast").write_text(
        '{"version": 2, "width": 80, "height": 24}\n[x\n[1, "o", "a"]\n'
    )
    with pytest.raises(SimError, match="abîmé, ligne 2"):
        replay.replay(directory.name, host="poste")


def test_replay_command_prints_one_french_line(tmp_path: Path) -> None:
    env = {**os.environ, "SIMULATEUR_DATA": str(tmp_path)}
    _attempt(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "simulateur", "replay", "20260101-100000-sc-t1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "aucun terminal" in proc.stderr


# --- the relay, between two ptys of the machine ------------------------------------------------
class _UserTerminal:
    """A pty standing for the trainee's terminal: the relay reads our keys from its peer, writes there."""

    def __init__(self) -> None:
        self.master, self.peer = os.openpty()
        terminal.set_window_size(self.peer, 90, 20)
        self.out = b""

    def read_until(self, token: bytes, timeout: float = 10) -> bytes:
        end = time.monotonic() + timeout
        while token not in self.out and time.monotonic() < end:
            if select.select([self.master], [], [], 0.1)[0]:
                try:
                    self.out += os.read(self.master, 65536)
                except OSError:
                    break
        assert token in self.out, self.out[-500:]
        return self.out


def _relay_in_thread(user: _UserTerminal, argv: list[str], recorder) -> tuple[threading.Thread, dict]:
    pty = terminal.HostPty.of_machine()
    proc = pty.spawn(argv)
    result: dict = {}

    def go() -> None:
        try:
            result["code"] = terminal.Relay(pty, recorder, user.peer, user.peer).run(proc)
        finally:
            pty.close()

    # signal.signal only works in the main thread: the relay's handlers are stubbed for this thread.
    thread = threading.Thread(target=go)
    return thread, result


@pytest.fixture
def any_thread_signals(monkeypatch):
    real = signal.signal
    monkeypatch.setattr(
        signal,
        "signal",
        lambda sig, h: real(sig, h) if threading.current_thread() is threading.main_thread() else signal.SIG_DFL,
    )


def test_relay_copies_both_ways_records_and_restores_the_terminal(tmp_path: Path, any_thread_signals) -> None:
    user = _UserTerminal()
    before = termios.tcgetattr(user.peer)
    recorder = asciicast.CastWriter(tmp_path / "r.cast", _header())
    thread, result = _relay_in_thread(user, ["bash", "--norc", "--noprofile", "-i"], recorder)
    thread.start()
    os.write(user.master, b"stty size; echo marqueur-$((6*7))\r")
    user.read_until(b"marqueur-42")
    assert b"20 90" in user.out  # our window's size, given to the shell's pty
    assert not termios.tcgetattr(user.peer)[3] & termios.ICANON  # raw while relaying
    os.write(user.master, b"read -s secret; echo lu\r")
    time.sleep(0.3)
    os.write(user.master, b"motdepasse\r")
    user.read_until(b"lu")
    os.write(user.master, b"exit 7\r")
    thread.join(15)
    assert result["code"] == 7
    assert termios.tcgetattr(user.peer) == before  # given back as it was
    cast = asciicast.read(tmp_path / "r.cast")
    assert "marqueur-42" in cast.output()
    typed = "".join(e.data for e in cast.events if e.code == "i")
    assert "echo marqueur" in typed and "motdepasse" not in typed and "**********" in typed


def test_relay_ends_when_the_shell_ends_even_if_a_background_job_keeps_the_pty(
    tmp_path: Path, any_thread_signals
) -> None:
    user = _UserTerminal()
    thread, result = _relay_in_thread(user, ["sh", "-c", "sleep 30 & echo parti; exit 3"], None)
    thread.start()
    thread.join(25)  # the background job holds the pty for 30 s: ended before, not by it
    assert not thread.is_alive() and result["code"] == 3
    assert b"parti" in user.read_until(b"parti")


def test_a_scripted_sessions_recording_plays_back_its_text_in_the_player(tmp_path: Path, any_thread_signals) -> None:
    """A shell session typed by a script, recorded by the relay: the app's player (a terminal
    emulator fed with the recording) shows its text at the end, and only what came before at an
    earlier moment; the report's transcript and `simulateur replay` have the same text."""
    from simulateur.journal.screen import ScreenPlayer

    user = _UserTerminal()
    recorder = asciicast.CastWriter(tmp_path / "s.cast", _header())
    thread, result = _relay_in_thread(user, ["bash", "--norc", "--noprofile", "-i"], recorder)
    thread.start()
    os.write(user.master, b"PS1='invite$ '; echo debut-$((1+1))\r")
    user.read_until(b"debut-2")
    os.write(user.master, b"printf '\\033[1;31mrouge\\033[0m\\n'; echo fin-$((2+2))\r")
    user.read_until(b"fin-4")
    os.write(user.master, b"exit\r")
    thread.join(15)
    assert result["code"] == 0
    cast = asciicast.read(tmp_path / "s.cast")

    player = ScreenPlayer(cast)
    player.seek(cast.duration)
    screen = player.lines()
    assert "debut-2" in screen and "rouge" in screen and "fin-4" in screen
    assert screen.index("debut-2") < screen.index("rouge") < screen.index("fin-4")
    row = screen.index("rouge")
    assert player.screen.buffer[row][0].fg == "red" and player.screen.buffer[row][0].bold
    first = next(e.t for e in cast.events if e.code == "o" and "debut-2\r\n" in e.data)
    player.seek(first)
    assert "debut-2" in player.lines() and "fin-4" not in player.text()

    text = plain_text(cast.output())
    assert "debut-2" in text.splitlines() and "fin-4" in text.splitlines() and "\x1b" not in text
    out = io.StringIO()
    replay.play(cast, out, speed=1000)
    assert "debut-2" in out.getvalue() and "fin-4" in out.getvalue()
