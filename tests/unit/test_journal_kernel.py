"""The journal as the kernel saw it (simulateur.journal.kernel): a table of reports and exec
records, and what is kept, dropped or added — no lab needed."""

from __future__ import annotations

import json
from pathlib import Path

from simulateur.journal.classify import Kind, read_entry
from simulateur.journal.kernel import Record, reconcile
from simulateur.journal.store import Entry

T0 = 1_000_000.0
TERM = "abc123"


def _record(tmp_path: Path, *execs: tuple[int, float, list[str], int | None, int | None, str]) -> Record:
    """execs: (id, t, argv, parent, rc, session tag); session 1 is the terminal, 2 a lab service on poste."""
    lines = [
        {"k": "session", "sid": 1, "host": "poste", "tag": f"shell:{TERM}", "t": T0},
        {"k": "session", "sid": 2, "host": "poste", "tag": "lab", "t": T0},
        {
            "k": "exec",
            "id": 1,
            "sid": 1,
            "t": T0,
            "pid": 100,
            "parent": None,
            "argv": ["bash", "--rcfile", "/etc/simulateur/bashrc", "-i"],
        },
    ]
    for rid, t, argv, parent, rc, tag in execs:
        lines.append(
            {
                "k": "exec",
                "id": rid,
                "sid": 1 if tag == "shell" else 2,
                "t": T0 + t,
                "pid": 1000 + rid,
                "parent": parent,
                "argv": argv,
            }
        )
        if rc is not None:
            lines.append({"k": "exit", "id": rid, "t": T0 + t + 0.3, "rc": rc})  # after what it started
    path = tmp_path / "exec.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines) + "not json\n")
    return Record.read(path)


def _line(cmd: str, start: float, end: float, rc: int = 0, source: str = "shell") -> Entry:
    return Entry(
        t=T0 + end,
        start=T0 + start,
        host="poste",
        cmd=cmd,
        rc=rc,
        source=source,
        session=TERM if source == "shell" else None,
    )


def test_a_report_borne_out_is_kept_with_the_kernels_exit_code(tmp_path):
    rec = _record(tmp_path, (2, 1.2, ["ping", "-c1", "srv"], 1, 1, "shell"))
    out = reconcile([_line("ping -c1 srv", 1, 1.5, rc=0)], rec)
    assert [(e.cmd, e.rc, e.verified, e.source) for e in out] == [("ping -c1 srv", 1, True, "shell")]


def test_a_forged_report_is_dropped_and_what_ran_unreported_is_added(tmp_path):
    rec = _record(tmp_path, (2, 5.2, ["touch", "/etc/x"], 1, 0, "shell"))
    out = reconcile([_line("cat /etc/resolv.conf", 5, 5.5)], rec)
    assert [(e.cmd, e.source, e.rc) for e in out] == [("touch /etc/x", "kernel", 0)]


def test_a_report_only_claims_the_programs_it_names(tmp_path):
    # a forged `ping` over a window where ping and touch ran: touch stays a change of its own
    rec = _record(tmp_path, (2, 1.1, ["ping", "-c1", "x"], 1, 2, "shell"), (3, 1.3, ["touch", "/etc/x"], 1, 0, "shell"))
    out = reconcile([_line("ping -c1 x", 1, 1.5)], rec)
    assert [(e.cmd, e.source, e.rc) for e in out] == [("ping -c1 x", "shell", 2), ("touch /etc/x", "kernel", 0)]


def test_a_report_of_a_program_run_by_another_terminal_or_service_is_not_borne_out(tmp_path):
    rec = _record(tmp_path, (2, 1.1, ["systemctl", "restart", "cups"], None, 0, "lab"))
    assert reconcile([_line("systemctl restart cups", 1, 1.5)], rec) == []


def test_sh_c_sudo_and_pipelines_are_seen_through(tmp_path):
    rec = _record(
        tmp_path,
        (2, 1.1, ["sh", "-c", "printf x > /etc/f; lp /etc/f"], 1, 0, "shell"),
        (3, 1.2, ["lp", "/etc/f"], 2, 0, "shell"),
        (4, 3.1, ["ps", "aux"], 1, 0, "shell"),
        (5, 3.1, ["grep", "cups"], 1, 0, "shell"),
    )
    out = reconcile([_line("sh -c 'printf x > /etc/f; lp /etc/f'", 1, 1.5), _line("ps aux | grep cups", 3, 3.5)], rec)
    assert [(e.source, e.verified) for e in out] == [("shell", True), ("shell", True)]


def test_a_line_naming_no_program_is_kept_but_looks_at_nothing(tmp_path):
    rec = _record(tmp_path)
    out = reconcile([_line("type lpq", 1, 1.2), _line("echo 'nameserver 1.1.1.1' > /etc/resolv.conf", 2, 2.2)], rec)
    assert [e.verified for e in out] == [False, False]
    assert read_entry(out[0]).kind is Kind.OTHER  # never a diagnostic
    assert read_entry(out[1]).kind is Kind.CHANGE  # a change still counts


def test_a_forged_remote_change_needs_the_ssh_program(tmp_path):
    rec = _record(tmp_path)
    assert reconcile([_line("ssh srv 'systemctl restart cups'", 1, 1.5)], rec) == []


def test_an_unreported_script_counts_by_what_it_ran(tmp_path):
    rec = _record(
        tmp_path,
        (2, 1.1, ["/root/fix.sh"], 1, 0, "shell"),
        (3, 1.2, ["cp", "/etc/hosts", "/etc/hosts.bak"], 2, 0, "shell"),
        (4, 1.3, ["sed", "-i", "s/a/b/", "/etc/hosts"], 2, 0, "shell"),
    )
    (entry,) = reconcile([], rec)
    assert entry.cmd == "/root/fix.sh" and entry.ran == ["cp /etc/hosts /etc/hosts.bak", "sed -i s/a/b/ /etc/hosts"]
    assert read_entry(entry).kind is Kind.CHANGE


def test_ssh_reports_are_borne_out_by_the_hosts_services_not_by_terminals(tmp_path):
    rec = _record(
        tmp_path, (2, 1.1, ["systemctl", "restart", "cups"], None, 0, "lab"), (3, 4.1, ["ip", "a"], 1, 0, "shell")
    )
    out = reconcile([_line("systemctl restart cups", 1, 1.5, source="ssh"), _line("ip a", 4, 4.5, source="ssh")], rec)
    assert [e.cmd for e in out] == ["systemctl restart cups", "ip a"]
    assert [e.source for e in out] == ["ssh", "kernel"]  # the terminal's ip is its own, not the ssh one


def test_exec_and_event_entries_are_the_machines_own(tmp_path):
    rec = _record(tmp_path)
    entries = [_line("anything", 1, 1.2, source="exec"), _line("qualification", 2, 2.1, source="event")]
    assert reconcile(entries, rec) == entries


def test_without_a_record_the_journal_is_as_reported(tmp_path):
    entries = [_line("cat /etc/hosts", 1, 1.2)]
    assert reconcile(entries, Record.read(tmp_path / "absent.jsonl")) == entries


def test_what_a_daemon_started_by_hand_runs_later_is_not_that_commands(tmp_path):
    """sshd restarted from a terminal: the SSH sessions it serves later are the host's, borne out
    for the SSH reports, never counted in the terminal's command."""
    rec = _record(
        tmp_path,
        (2, 1.1, ["systemctl", "restart", "ssh"], 1, 0, "shell"),
        (3, 1.2, ["/usr/sbin/sshd", "-D"], 2, None, "shell"),
        (4, 9.1, ["systemctl", "restart", "cups"], 3, 0, "shell"),
    )
    out = reconcile(
        [_line("systemctl restart ssh", 1, 1.5), _line("systemctl restart cups", 9, 9.5, source="ssh")], rec
    )
    assert [(e.cmd, e.source, e.verified) for e in out] == [
        ("systemctl restart ssh", "shell", True),
        ("systemctl restart cups", "ssh", True),
    ]


def test_a_vm_consoles_reports_are_kept_as_they_are(tmp_path):
    rec = _record(tmp_path)
    vm = _line("modprobe virtio_net", 1, 1.5).model_copy(update={"session": "console-of-a-vm"})
    assert reconcile([vm], rec) == [vm]
