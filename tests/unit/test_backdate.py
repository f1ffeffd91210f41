"""simulateur.lab.backdate: the build's traces moved into the ticket's story, told apart by their
place in their log (the mark taken when the services were up), not by a wait for a fresh second."""

import os
import time
from pathlib import Path

from simulateur.lab.backdate import Story, backdate_layer, log_marks

T0 = time.mktime((2026, 12, 6, 10, 0, 0, 0, 0, -1))  # the build started at 10:00:00.000
BOOT = time.mktime((2026, 12, 5, 19, 25, 0, 0, 0, -1))  # the story: up at 19:25, the fault at 20:00
FAULT = BOOT + 35 * 60


def stamp(t: float) -> str:
    return time.strftime("%b %d %H:%M:%S", time.localtime(t))


def story(t_boot: float, marks: dict) -> Story:
    return Story(T0, t_boot, T0 + 3, BOOT, FAULT, {"poste": marks})


def test_lines_of_one_second_are_told_apart_by_their_place(tmp_path: Path) -> None:
    upper = tmp_path / "upper"
    log = upper / "var/log/sysd/dnsmasq.log"
    log.parent.mkdir(parents=True)
    # the services' last line and the faults' first line share the second 10:00:01
    log.write_text(f"{stamp(T0)} srv dnsmasq[1]: started\n{stamp(T0 + 1)} srv dnsmasq[1]: DHCPACK\n")
    marks = log_marks(upper)
    with log.open("a") as f:
        f.write(f"{stamp(T0 + 1)} srv systemd[1]: Stopped dnsmasq\n{stamp(T0 + 2)} srv sysd: x\n")
    backdate_layer(upper, story(T0 + 1.4, marks), marks)
    lines = log.read_text().splitlines()
    assert lines[0].startswith(stamp(BOOT)) and lines[1].startswith(stamp(BOOT + 1))
    assert lines[2].startswith(stamp(FAULT)) and lines[3].startswith(stamp(FAULT + 0.6))


def test_a_line_half_written_at_the_mark_is_the_boots(tmp_path: Path) -> None:
    s = story(T0 + 1.5, {})
    data = f"{stamp(T0 + 1)} a\n{stamp(T0 + 1)} b\n{stamp(T0 + 2)} c\n".encode()
    cut = data.index(b" b") - 3  # the mark fell inside the second line
    out = s.log_data(data, cut).decode().splitlines()
    assert [line[:15] for line in out] == [stamp(BOOT + 1), stamp(BOOT + 1), stamp(FAULT + 0.5)]


def test_a_log_born_or_replaced_since_the_mark(tmp_path: Path) -> None:
    upper = tmp_path / "upper"
    born = upper / "var/log/apt/history.log"
    born.parent.mkdir(parents=True)
    born.write_text(f"Start-Date: {time.strftime('%Y-%m-%d  %H:%M:%S', time.localtime(T0 + 1))}\n")
    replaced = upper / "var/log/dpkg.log"
    replaced.write_text("x" * 500 + "\n")
    marks = log_marks(upper)
    marks.pop("var/log/apt/history.log")  # not there when the services were up
    replaced.unlink()
    replaced.write_text(
        f"{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(T0))} boot\n"
        f"{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(T0 + 2))} fault\n"
    )
    backdate_layer(upper, story(T0 + 1.2, marks), marks)
    assert time.strftime("%Y-%m-%d  %H:%M", time.localtime(FAULT)) in born.read_text()
    boot_line, fault_line = replaced.read_text().splitlines()  # by whole seconds: 10:00:00 < 10:00:01
    assert boot_line.startswith(time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(BOOT)))
    assert fault_line.startswith(time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(FAULT + 0.8)))


def test_file_dates_exact_and_nothing_outside_the_window(tmp_path: Path) -> None:
    upper = tmp_path / "upper"
    (upper / "etc").mkdir(parents=True)
    before, after, old = upper / "etc/a", upper / "etc/b", upper / "etc/old"
    for path, t in ((before, T0 + 1.3), (after, T0 + 1.5), (old, T0 - 3600)):
        path.write_text("x")
        os.utime(path, (t, t))
    os.symlink("/etc/passwd", upper / "etc/lien")  # never followed: the machine's file stays
    machine = os.stat("/etc/passwd").st_mtime
    backdate_layer(upper, story(T0 + 1.4, {}), {})
    assert abs(before.stat().st_mtime - (BOOT + 1.3)) < 0.01
    assert abs(after.stat().st_mtime - (FAULT + 0.1)) < 0.01
    assert old.stat().st_mtime == T0 - 3600 and os.stat("/etc/passwd").st_mtime == machine


def test_a_log_link_is_not_followed(tmp_path: Path) -> None:
    upper = tmp_path / "upper"
    (upper / "var/log").mkdir(parents=True)
    outside = tmp_path / "machine.log"
    outside.write_text(f"{stamp(T0 + 1)} machine\n")
    os.symlink(outside, upper / "var/log/dpkg.log")
    backdate_layer(upper, story(T0 + 0.5, {}), {})
    assert outside.read_text() == f"{stamp(T0 + 1)} machine\n"
