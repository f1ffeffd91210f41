"""Journal facts on what really ran (issue 15): the accuracy cases met by candidates — a file
rewritten through `sh -c`, a hold confirmed by a dry run, a tool that is not installed, a test
that failed — and the evidence text as typed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from simulateur.journal.classify import Kind, classify, file_events, read, split_commands
from simulateur.journal.shell import commands
from simulateur.journal.store import Entry
from simulateur.scenario.models import JournalEvidence, TicketEvidence
from simulateur.scoring import journal_facts, remote
from simulateur.session.attempt import Escalation

IFACES = "/etc/network/interfaces"


def journal(*lines: tuple[str, str, int | None]) -> list[Entry]:
    """Entries one second apart: (host, command as typed, exit code)."""
    return [Entry(t=1000.0 + i, host=host, cmd=cmd, rc=rc) for i, (host, cmd, rc) in enumerate(lines)]


def facts(kind: str, entries: list[Entry], **kw) -> tuple[bool, str]:
    return journal_facts(JournalEvidence(journal=kind, **kw), entries)  # type: ignore[arg-type]


# --- backup before edit (TAI.CT3.2) --------------------------------------------------------------
def test_file_rewritten_through_sh_c_after_a_backup_is_backed_up():
    ok, text = facts(
        "backup_before_edit",
        journal(
            ("poste", f"cp {IFACES} /root/interfaces.bak", 0),
            ("poste", f"sh -c 'printf \"auto eth0\\niface eth0 inet dhcp\\n\" > {IFACES}'", 0),
        ),
        paths=[IFACES],
    )
    assert ok, text
    assert "sauvegardé" in text and "cp /etc/network/interfaces /root/interfaces.bak" in text


def test_heredoc_and_sudo_tee_are_edits():
    assert file_events(f"cat > {IFACES} <<EOF\nauto eth0\nEOF", IFACES) == ["edit"]
    assert file_events(f"echo auto eth0 | sudo tee -a {IFACES} >/dev/null", IFACES) == ["edit"]
    assert file_events(f"ssh poste \"sed -i 's/static/dhcp/' {IFACES}\"", IFACES) == ["edit"]
    assert file_events(f"cat {IFACES}", IFACES) == []
    assert file_events(f"grep -c auto {IFACES} > /tmp/n", IFACES) == []


def test_backup_then_edit_in_one_line_counts_in_that_order():
    ok, _ = facts(
        "backup_before_edit", journal(("poste", f"cp {IFACES} {IFACES}.bak && nano {IFACES}", 0)), paths=[IFACES]
    )
    assert ok
    ok, text = facts(
        "backup_before_edit", journal(("poste", f"nano {IFACES}; cp {IFACES} {IFACES}.bak", 0)), paths=[IFACES]
    )
    assert not ok and "sans copie" in text


def test_a_failed_copy_is_no_backup_and_an_editor_that_did_not_run_edited_nothing():
    ok, text = facts(
        "backup_before_edit",
        journal(
            ("poste", f"cp {IFACES} /sauvegardes/", 1),  # no such directory
            ("poste", f"vi {IFACES}", 0),
        ),
        paths=[IFACES],
    )
    assert not ok and "sans copie" in text
    ok, text = facts(
        "backup_before_edit",
        journal(
            ("poste", f"nano {IFACES}", 127),  # nano not installed: nothing edited
            ("poste", f"cp {IFACES} /root/", 0),
            ("poste", f"vi {IFACES}", 0),
        ),
        paths=[IFACES],
    )
    assert ok, text


# --- tested after the fix (TAI.CP3.3) ------------------------------------------------------------
def test_a_dry_run_after_the_fix_is_no_change():
    ok, text = facts(
        "tested_after_fix",
        journal(
            ("srv", "apt-mark hold compta-pro", 0),
            ("srv", "compta-pro etat", 0),
            ("srv", "apt-get -s upgrade", 0),
            ("poste", "ifup -n eth0", 0),
        ),
        hosts=["srv"],
    )
    assert ok, text
    assert "apt-mark hold compta-pro" in text  # still the last modification


def test_a_failed_test_is_not_a_successful_test():
    ok, text = facts(
        "tested_after_fix", journal(("poste", "systemctl restart cups", 0), ("poste", "lp -d Couloir /etc/hostname", 1))
    )
    assert not ok and "1 test en échec" in text


def test_a_test_that_could_not_run_is_neither_success_nor_failure():
    ok, text = facts(
        "tested_after_fix",
        journal(
            ("poste", "systemctl restart cups", 0),
            ("poste", "ipptool -t ipp://srv/ipp/print get-printer-attributes.test", 127),
        ),
    )
    assert not ok and "en échec" not in text


def test_a_change_line_ending_with_a_successful_test_is_tested():
    assert facts("tested_after_fix", journal(("poste", "systemctl restart cups && lp /etc/hostname", 0)))[0]
    assert not facts("tested_after_fix", journal(("poste", "systemctl restart cups && lp /etc/hostname", 1)))[0]
    assert not facts("tested_after_fix", journal(("poste", "lp /etc/hostname && systemctl restart cups", 0)))[0]


def test_ssh_test_counts_on_the_host_it_ran_on():
    ok, text = facts(
        "tested_after_fix",
        journal(
            ("technicien", "ssh poste 'systemctl restart cups'", 0),
            ("technicien", "ssh poste 'echo test | lp -d Couloir'", 0),
        ),
        hosts=["poste"],
    )
    assert ok, text
    assert read("ssh root@poste 'lpstat -p'", 0).hosts == {"poste"}


# --- diagnosed before change ---------------------------------------------------------------------
def test_a_tool_that_is_not_installed_looked_at_nothing():
    ok, text = facts("diagnosed_before_change", journal(("poste", "lpq", 127), ("poste", "systemctl restart cups", 0)))
    assert not ok and "0 commande de diagnostic" in text
    ok, _ = facts(
        "diagnosed_before_change",
        journal(
            ("poste", "systemctl status cups", 3),  # inactive: still a look
            ("poste", "systemctl restart cups", 0),
        ),
    )
    assert ok


def test_evidence_shows_the_command_as_typed():
    ok, text = facts(
        "diagnosed_before_change",
        journal(("poste", "grep -E 'url|password' /etc/vdirsyncer/config", 0), ("poste", "systemctl restart cups", 0)),
    )
    assert ok and "« grep -E 'url|password' /etc/vdirsyncer/config » sur poste" in text


def test_init_script_over_ssh_is_a_remote_change():
    ev = JournalEvidence(journal="remote_changes", hosts=["poste"], origin="technicien")
    entries = [Entry(t=1.0, host="poste", cmd="/etc/init.d/cups start", rc=0, source="ssh", origin="technicien")]
    ok, text = remote.remote_changes(ev, entries)
    assert ok and "1 modification" in text


def test_escalation_counts_tests_that_ran_failed_or_not():
    esc = Escalation(to="prestataire", reason="lien coupé", done="ping KO", t=2000.0)
    ev = TicketEvidence(ticket="escalation", min=2)
    assert remote.escalation(ev, esc, journal(("poste", "ping -c1 192.0.2.1", 1), ("poste", "dig x", 9)))[0]
    assert not remote.escalation(ev, esc, journal(("poste", "ping -c1 192.0.2.1", 1), ("poste", "mtr x", 127)))[0]


# --- the parser itself -------------------------------------------------------------------------
def test_texts_are_as_typed_and_words_as_run():
    line = "sudo -u lp sh -c \"grep -E 'url|password' /etc/x\" && ssh root@poste 'ls -l /tmp'"
    assert split_commands(line) == ["grep -E 'url|password' /etc/x", "ls -l /tmp"]
    grep, ls = commands(line)
    assert grep.argv == ("grep", "-E", "url|password", "/etc/x") and grep.host is None
    assert ls.argv == ("ls", "-l", "/tmp") and ls.host == "poste"


def test_redirections_after_a_list_belong_to_its_last_command():
    ping, ip = commands("ping -c1 srv && ip a > /tmp/etat 2>&1")
    assert ping.writes == () and ip.writes == ("/tmp/etat",) and ip.text == "ip a > /tmp/etat 2>&1"


SHELLY = st.lists(
    st.sampled_from(
        [
            "ls",
            "sh",
            "-c",
            "'",
            '"',
            "$(",
            ")",
            "(",
            "{",
            "}",
            "|",
            "&&",
            ";",
            "<<",
            "EOF",
            ">",
            "\n",
            "\\",
            "`",
            "ssh",
            "poste",
            "sudo",
            "if",
            "then",
            "fi",
            "x=",
            "find",
            "-exec",
            "rm",
            "\\;",
            "$'",
            "#",
            "&",
        ]
    ),
    max_size=14,
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), SHELLY))
def test_any_line_classifies_without_raising(line):
    assert classify(line) in set(Kind)
    read(line, 127)
    file_events(line, IFACES)
