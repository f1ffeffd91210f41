"""Each lab is the Debian 12 its ticket describes (issue 16, item 4): `service`, init scripts and
systemctl act on one state, both ways; lpinfo finds the backends; a DHCP client that got no lease
keeps asking, as ifupdown leaves it; name lookups never stall in a lab without the internet; the
files a host gets end with a newline; `exec` says which shell expands `*`."""

from __future__ import annotations

import re
import time

from labhelpers import sim, verdicts


def ex(lab: str, host: str, cmd: str, check: bool = True):
    return sim("exec", lab, host, "--", cmd, check=check)


def active(lab: str, host: str, unit: str) -> str:
    return ex(lab, host, f"systemctl is-active {unit}", check=False).out.strip()


def quiet_run(lab: str, host: str, argv: list[str]):
    """A command in the host that the attempt's journal does not see (the test's own look)."""
    from simulateur.session.run import open_attempt

    handle, _, _ = open_attempt(lab)
    return handle.host(host).run(argv, timeout=30)


def wait_address(lab: str, host: str, iface: str, timeout: float) -> float:
    """Seconds until `iface` has an IPv4 address, with no command of ours in between."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if " inet " in quiet_run(lab, host, ["ip", "-4", "addr", "show", iface]).stdout:
            return time.monotonic() - t0
        time.sleep(0.5)
    raise AssertionError(f"{host}:{iface} sans adresse après {timeout} s")


def test_service_init_scripts_and_systemctl_agree_both_ways(started):
    lab = started("intervention-distance", seed=3)["lab"]
    # srv: dnsmasq (dnsmasq-base ships no init script: the lab gives it Debian's dnsmasq one)
    r = ex(lab, "srv", "service dnsmasq stop")
    assert r.code == 0 and active(lab, "srv", "dnsmasq") == "inactive"
    assert ex(lab, "srv", "service dnsmasq status", check=False).code == 3
    assert ex(lab, "srv", "/etc/init.d/dnsmasq status", check=False).code == 3
    assert "Starting dnsmasq (via systemctl)" in ex(lab, "srv", "/etc/init.d/dnsmasq start").out
    assert active(lab, "srv", "dnsmasq") == "active"
    assert ex(lab, "srv", "service dnsmasq restart").code == 0 and active(lab, "srv", "dnsmasq") == "active"
    assert "active (running)" in ex(lab, "srv", "service dnsmasq status").out
    # poste: cups through Debian's own init script, ssh through its Debian alias
    ex(lab, "poste", "/etc/init.d/cups stop")
    assert active(lab, "poste", "cups") == "inactive"
    assert ex(lab, "poste", "/etc/init.d/cups status", check=False).code == 3
    ex(lab, "poste", "/etc/init.d/cups start")
    assert "active (running)" in ex(lab, "poste", "systemctl status cups").out
    ex(lab, "poste", "systemctl stop cups")
    assert "inactive" in ex(lab, "poste", "service cups status", check=False).out
    ex(lab, "poste", "invoke-rc.d cups start", check=False)  # policy-rc.d of the machine may refuse
    ex(lab, "poste", "service cups start")
    assert active(lab, "poste", "cups") == "active"
    ex(lab, "poste", "systemctl restart sshd")
    assert "ssh.service" in ex(lab, "poste", "systemctl status sshd").out and active(lab, "poste", "ssh") == "active"
    # every unit of every host: the init script and `service` say what systemctl says
    for host in ("poste", "srv", "imprimante", "technicien"):
        units = ex(lab, host, "cd /etc/systemd/system && ls *.service 2>/dev/null || true").out.split()
        for unit in (u[: -len(".service")] for u in units):
            want = ex(lab, host, f"systemctl is-active {unit}", check=False).code == 0
            assert (ex(lab, host, f"service {unit} status", check=False).code == 0) == want, (host, unit)
            assert (ex(lab, host, f"/etc/init.d/{unit} status", check=False).code == 0) == want, (host, unit)


def test_lpinfo_lists_the_backends(started):
    lab = started("imprimante-pilote-manquant", seed=3)["lab"]
    r = ex(lab, "poste", "lpinfo -v", check=False)
    assert r.code == 0 and "network ipp" in r.out and "network socket" in r.out, r.err


# Each nameserver of a host's resolv.conf (none: glibc asks 127.0.0.1), asked for a name nobody has:
# an answer (any rcode) or a refusal is what makes a lookup fail at once; silence is a stall of
# the resolver's 5 s timeout per try. A state, not a speed (no timing under load).
ASK_EACH_NAMESERVER = r"""
import random, socket, struct
servers = [l.split()[1] for l in open("/etc/resolv.conf") if l.split()[:1] == ["nameserver"]] or ["127.0.0.1"]
qid = random.randrange(65536)
query = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + b"".join(
    bytes([len(p)]) + p.encode() for p in "nulle-part.exemple.fr".split(".")) + b"\0" + struct.pack(">HH", 1, 1)
for server in servers:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(10)
    try:
        s.connect((server, 53))
        s.send(query)
        reply = s.recv(512)
        print(server, "rcode", reply[3] & 15 if reply[:2] == query[:2] else "?")
    except ConnectionRefusedError:
        print(server, "refused")
    except OSError as exc:
        print(server, "silence", exc)
"""


def test_name_lookups_never_stall_without_the_internet(started):
    lab = started("intervention-distance", seed=3)["lab"]  # no routeur, no internet host
    assert "srv" in ex(lab, "poste", "getent hosts srv").out
    assert "imprimante" in ex(lab, "technicien", "getent hosts imprimante").out
    assert ex(lab, "poste", "getent hosts www.exemple.fr", check=False).code == 2
    for host in ("poste", "srv", "imprimante", "technicien"):
        said = quiet_run(lab, host, ["python3", "-I", "-c", ASK_EACH_NAMESERVER]).stdout
        assert said.strip() and "silence" not in said and " ?" not in said, (host, said)


def test_files_end_with_a_newline_and_echo_appends_a_line(started):
    lab = started("nas-reservation-dns", seed=3)["lab"]
    for host, path in (
        ("srv", "/etc/dnsmasq.conf"),
        ("poste", "/etc/network/interfaces"),
        ("poste", "/etc/dhcp/dhclient.conf"),
        ("poste", "/etc/resolv.conf"),
        ("nas", "/etc/dhcp/dhclient.conf"),
        ("srv", "/etc/hosts"),
    ):
        assert ex(lab, host, f"tail -c1 {path} | od -An -c").out.strip() == "\\n", (host, path)
    ex(lab, "srv", "cp /etc/dnsmasq.conf /root/dnsmasq.conf.bak && echo 'log-async' >> /etc/dnsmasq.conf")
    assert ex(lab, "srv", "tail -n1 /etc/dnsmasq.conf").out.strip() == "log-async"


def test_a_dhclient_that_got_no_lease_keeps_asking_cable_plugged_back(started):
    lab = started("poste-sans-liaison", seed=5, variant="cable_debranche")["lab"]
    ps = quiet_run(lab, "poste", ["ps", "-eo", "args"]).stdout
    assert "dhclient -4" in ps and "/run/dhclient.eth0.pid" in ps  # as ifupdown starts it
    ex(lab, "poste", "ip -br addr")
    sim("cable", lab, "poste", "--plug", "lan")
    wait_address(lab, "poste", "eth0", 60)  # nothing typed: it comes back
    ex(lab, "poste", "ping -c1 -W2 www.exemple.fr")
    assert verdicts(lab)["TAI.CP14.4"] == "acquis"


def test_ifdown_ifup_after_the_retrying_dhclient(started):
    """ifupdown knows the boot's interface as configured: ifup alone does nothing, ifdown releases
    (and stops the retrying client), ifup asks again. (The server fixed, the address coming back by
    itself: test_dhcp_serveur_arrete.)"""
    lab = started("dhcp-serveur-arrete", seed=7)["lab"]
    assert "already configured" in ex(lab, "poste", "ifup eth0", check=False).err
    ex(lab, "srv", "systemctl start dnsmasq")
    ex(lab, "poste", "ifdown eth0 && ifup eth0")
    assert " inet " in quiet_run(lab, "poste", ["ip", "-4", "addr", "show", "eth0"]).stdout
    assert quiet_run(lab, "poste", ["pgrep", "-c", "-x", "dhclient"]).stdout.strip() == "1"


def test_exec_runs_one_quoted_line_through_the_hosts_shell():
    assert "'ls /etc/*.conf" in sim("exec", "--help").out


def test_exec_globs_in_the_host(started):
    lab = started("dhcp-serveur-arrete", seed=7)["lab"]
    assert "/etc/simulateur/boot.sh" in ex(lab, "srv", "ls /etc/simulateur/*.sh").out
    r = sim("exec", lab, "srv", "--", "ls", "/etc/simulateur/*.sh", check=False)  # passed as is
    assert r.code != 0


def test_traces_fit_the_tickets_story(started):
    """compta-mise-a-jour: « hier soir l'ordinateur a fait une mise à jour » — APT's history, dpkg's
    log, the service's journal and state say yesterday evening, not a few seconds ago."""
    from datetime import datetime

    from simulateur.scenario.loader import find_scenario
    from simulateur.session.run import story_times

    when = find_scenario("compta-mise-a-jour").scenario.fault_time
    assert when is not None and when.days_ago == 1
    lab = started("compta-mise-a-jour", seed=3)["lab"]
    _, fault = story_times(when.days_ago, when.at, time.time())
    day = datetime.fromtimestamp(fault).strftime("%Y-%m-%d")
    history = ex(lab, "poste", "cat /var/log/apt/history.log").out
    assert f"Start-Date: {day}  {when.at}" in history and "2.4.0" in history, history
    assert datetime.now().strftime("%Y-%m-%d  %H") not in history
    assert f"{day} {when.at}" in ex(lab, "poste", "tail -n1 /var/log/dpkg.log").out
    status = ex(lab, "poste", "systemctl status compta-pro", check=False).out
    assert f"since {datetime.fromtimestamp(fault).strftime('%a %Y-%m-%d')} {when.at}" in status, status
    # systemd's own wording, hours or days ago whatever the time of day the test runs at (« 5h 20min ago »
    # after midnight, « 23h ago », « 1 day 4h ago »): never seconds or minutes.
    assert re.search(r"; (\d+ days?( \d+h)?|\d+h( \d+min)?) ago", status), status
    stamp = datetime.fromtimestamp(fault).strftime("%b %d ") + when.at
    assert stamp in ex(lab, "poste", "journalctl -u compta-pro").out
    # a file the fault wrote is dated then; what the trainee does now is dated now
    mtime = float(ex(lab, "poste", "stat -c %Y /etc/compta-pro/compta-pro.conf").out)
    assert fault - 60 <= mtime <= fault + 60
    ex(lab, "poste", "touch /root/note && systemctl restart compta-pro", check=False)
    assert abs(float(ex(lab, "poste", "stat -c %Y /root/note").out) - time.time()) < 120
