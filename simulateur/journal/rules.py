"""What one simple command does, as a jury reads it: a diagnostic (looking), a test (checking
that something works), a change (modifying the system), or nothing of note.

The verb decides, not only the program: `ip addr show` looks, `ip addr add` changes;
`systemctl status` looks, `systemctl restart` changes. Dry runs and configuration checks change
nothing: a configuration check (`sshd -t`, `nft -c`, `testparm`, `ifup -n`) is a diagnostic; a
package manager's simulation (`apt-get -s upgrade`) is a test, since it is computed from the
real package state — it is how one proves that a hold or a pin works.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from enum import Enum

from simulateur.journal.shell import Command


class Kind(str, Enum):  # noqa: UP042 — StrEnum would change str() and format() of the members
    DIAGNOSTIC = "diagnostic"
    TEST = "test"
    CHANGE = "change"
    OTHER = "other"


TESTS = {
    "ping",
    "ping6",
    "arping",
    "dig",
    "nslookup",
    "host",
    "curl",
    "wget",
    "traceroute",
    "tracepath",
    "mtr",
    "getent",
    "nc",
    "ncat",
    "telnet",
    "lp",
    "lpr",
    "ipptool",
    "smbclient",
    "kinit",  # a logon: what one tests an account with
    "compta-pro",  # the accounting application of the lab repository: `compta-pro etat` checks it works
}
DIAGNOSTICS = {
    "cat",
    "less",
    "more",
    "head",
    "tail",
    "grep",
    "egrep",
    "fgrep",
    "zgrep",
    "zcat",
    "journalctl",
    "ps",
    "pgrep",
    "top",
    "htop",
    "ss",
    "netstat",
    "ls",
    "ll",
    "lsof",
    "dmesg",
    "lspci",
    "lsusb",
    "lsmod",
    "lsblk",
    "blkid",
    "df",
    "du",
    "free",
    "uptime",
    "id",
    "whoami",
    "groups",
    "find",
    "stat",
    "file",
    "ipcalc",
    "which",
    "whereis",
    "type",
    "man",
    "uname",
    "date",
    "ifconfig",
    "route",
    "arp",
    "ethtool",
    "iwconfig",
    "lpstat",
    "lpinfo",
    "ippfind",
    "driverless",
    "lpq",
    "dpkg-query",
    "apt-cache",
    "env",
    "printenv",
    "w",
    "who",
    "last",
    "tcpdump",
    "tshark",
    "wc",
    "sort",
    "uniq",
    "cut",
    "awk",
    "diff",
    "cmp",
    "md5sum",
    "sha256sum",
    "history",
    "pwd",
    "klist",
    "ldapsearch",
    "ldbsearch",
    "wbinfo",
    "testparm",
    "smbstatus",
    "getfacl",
    "namei",
    "ifquery",
    "iptables-save",
    "systemd-analyze",
    "view",
    "named-checkconf",
    "named-checkzone",
    "iw",
    "nmap",
    "command",
    "tree",
    "readlink",
    "realpath",
    "dnsdomainname",
}
EDITORS = {
    "nano",
    "vi",
    "vim",
    "vim.tiny",
    "vim.basic",
    "ed",
    "emacs",
    "mcedit",
    "joe",
    "pico",
    "sudoedit",
    "editor",
    "sensible-editor",
    "vipw",
    "vigr",
}
CHANGES = EDITORS | {
    "cp",
    "mv",
    "rm",
    "rmdir",
    "touch",
    "chmod",
    "chown",
    "chgrp",
    "mkdir",
    "ln",
    "truncate",
    "install",
    "kill",
    "pkill",
    "killall",
    "dhcpcd",
    "udhcpc",
    "lpadmin",
    "cupsenable",
    "cupsdisable",
    "cupsaccept",
    "cupsreject",
    "cancel",
    "lpmove",
    "modprobe",
    "rmmod",
    "insmod",
    "depmod",
    "useradd",
    "usermod",
    "userdel",
    "passwd",
    "chpasswd",
    "groupadd",
    "groupdel",
    "groupmod",
    "gpasswd",
    "ldapmodify",
    "ldapadd",
    "ldapdelete",
    "ldbmodify",
    "ldbadd",
    "ldbedit",
    "ldbdel",
    "setfacl",
    "smbpasswd",
    "kpasswd",
    "umount",
    "swapoff",
    "reboot",
    "shutdown",
    "halt",
    "poweroff",
    "timedatectl",
    "update-rc.d",
    "iptables-restore",
    "dpkg-reconfigure",
    "newaliases",
    "smbcontrol",
    "câble",  # « simulateur cable … --plug/--unplug » is journaled as « câble HOST:IFACE branché sur … »
}
# A daemon started by hand changes the system; with one of these options it only checks its
# configuration (or says its version) and exits.
DAEMON_CHECKS = {
    "dnsmasq": {"--test", "--help", "-h", "--version", "-v"},
    "cupsd": {"-t", "-T", "-h"},
    "sshd": {"-t", "-T", "-V"},
    "visudo": {"-c", "--check"},
    "apachectl": {"configtest", "-t", "-S", "-v", "-V", "status"},
    "apache2ctl": {"configtest", "-t", "-S", "-v", "-V", "status"},
    "nginx": {"-t", "-T", "-v", "-V"},
    "named": {"-v", "-V"},
    "smbd": {"-b", "-V", "--version", "--build-options"},
    "dhcpd": {"-t", "-T"},
    "radicale": {"--version", "--help"},
}
SYSTEMCTL_READ = {
    "status",
    "is-active",
    "is-enabled",
    "is-failed",
    "is-system-running",
    "list-units",
    "list-unit-files",
    "list-sockets",
    "list-timers",
    "list-dependencies",
    "list-jobs",
    "list-machines",
    "list-automounts",
    "list-paths",
    "cat",
    "show",
    "help",
    "get-default",
    "show-environment",
}
SYSTEMCTL_OPTS_WITH_VALUE = {
    "-t",
    "--type",
    "-p",
    "--property",
    "-H",
    "--host",
    "-M",
    "--machine",
    "-n",
    "--lines",
    "-o",
    "--output",
    "--state",
    "-s",
    "--signal",
    "--root",
    "--kill-whom",
}
SERVICE_READ = {"status", "--status-all", "--help", "-h", "--version", "usage"}
IP_CHANGE_VERBS = {"add", "del", "delete", "flush", "set", "change", "replace", "append", "prepend", "a+"}
IP_OPTS_WITH_VALUE = {"-n", "-netns", "-f", "-family", "-b", "-batch", "-rc", "-rcvbuf", "-l", "-loops"}
NFT_CHANGE = {"add", "create", "insert", "replace", "delete", "destroy", "flush", "reset", "rename", "import"}
IPTABLES_READ = {"-L", "--list", "-S", "--list-rules", "-C", "--check", "-h", "--help", "-V", "--version"}
# samba-tool verbs that only read (samba-tool user show NAME, group listmembers G, ou list…)
SAMBA_TOOL_READ = {
    "show",
    "list",
    "view",
    "getgroups",
    "listmembers",
    "listobjects",
    "getpassword",
    "query",
    "show-user",
    "info",
    "level",
    "stats",
    "testparm",
    "showrepl",
    "fsmo",
}
APT_READ = {
    "show",
    "list",
    "search",
    "policy",
    "showsrc",
    "showpkg",
    "depends",
    "rdepends",
    "changelog",
    "check",
    "help",
    "madison",
    "download",
    "source",
    "moo",
}
APT_SIMULATE = {"-s", "--simulate", "--dry-run", "--just-print", "--no-act", "--recon", "-qs", "-sq", "-ys", "-sy"}
DPKG_READ = {
    "-l",
    "-L",
    "-s",
    "-S",
    "-p",
    "-c",
    "-I",
    "-V",
    "--list",
    "--listfiles",
    "--status",
    "--search",
    "--print-avail",
    "--contents",
    "--info",
    "--verify",
    "--get-selections",
    "--audit",
    "-C",
    "--print-architecture",
    "--print-foreign-architectures",
    "--compare-versions",
    "--help",
    "--version",
}


def positional(args: list[str], with_value: Set[str] = frozenset()) -> list[str]:
    """The words that are not options (nor an option's value)."""
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a.startswith("-") and a != "-":
            skip = a in with_value
        else:
            out.append(a)
    return out


def _systemctl(args: list[str]) -> Kind:
    if any(a in ("-h", "--help", "--version") for a in args):
        return Kind.DIAGNOSTIC
    verbs = positional(args, SYSTEMCTL_OPTS_WITH_VALUE)
    return Kind.DIAGNOSTIC if not verbs or verbs[0] in SYSTEMCTL_READ else Kind.CHANGE


def _service(args: list[str]) -> Kind:
    """`service X VERB`, `/etc/init.d/X VERB` (args without X), `invoke-rc.d X VERB`."""
    if not args or args[0] in SERVICE_READ:
        return Kind.DIAGNOSTIC
    verb = args[1] if len(args) > 1 else ""
    return Kind.DIAGNOSTIC if verb in SERVICE_READ or not verb else Kind.CHANGE


def _ip(args: list[str]) -> Kind:
    if any(a in ("-b", "-batch", "-force") for a in args):
        return Kind.CHANGE
    verbs = positional(args, IP_OPTS_WITH_VALUE)
    if verbs[:2] == ["netns", "exec"]:
        return Kind.OTHER
    if verbs[:1] == ["netns"]:
        return (
            Kind.CHANGE if any(v in ("add", "delete", "del", "set", "attach") for v in verbs[1:2]) else Kind.DIAGNOSTIC
        )
    return Kind.CHANGE if any(v in IP_CHANGE_VERBS for v in verbs[1:2]) else Kind.DIAGNOSTIC


def _nft(args: list[str]) -> Kind:
    if any(a in ("-c", "--check") for a in args):
        return Kind.DIAGNOSTIC
    if any(a in ("-f", "--file", "-i", "--interactive") for a in args):
        return Kind.CHANGE
    verbs = positional(args, {"-I", "--includepath", "-D", "--define"})
    return Kind.CHANGE if verbs and verbs[0] in NFT_CHANGE else Kind.DIAGNOSTIC


def _iptables(args: list[str]) -> Kind:
    if not args or any(a in IPTABLES_READ for a in args):
        return Kind.DIAGNOSTIC
    if any(
        a.startswith("-")
        and not a.startswith("--")
        and len(a) > 2
        and ("L" in a or "S" in a)
        and not any(c in a for c in "AIDRFNXPZE")
        for a in args
    ):  # -nL, -nvL, -vnL --line-numbers
        return Kind.DIAGNOSTIC
    return Kind.CHANGE


def _apt(args: list[str]) -> Kind:
    if any(a in APT_SIMULATE for a in args) or any(
        a.lower().startswith("apt::get::simulate=") and a.split("=", 1)[1].lower() in ("1", "true", "yes") for a in args
    ):
        return Kind.TEST
    verbs = positional(args, {"-o", "-c", "-t", "--option", "--config-file", "--target-release"})
    if not verbs or verbs[0] in APT_READ or any(a in ("-h", "--help", "-v", "--version") for a in args):
        return Kind.DIAGNOSTIC
    return Kind.CHANGE


def _dpkg(args: list[str]) -> Kind:
    if any(a in ("--dry-run", "--no-act", "--simulate") for a in args):
        return Kind.TEST
    if any(a in DPKG_READ or a.split("=", 1)[0] in ("--list", "--status", "--search") for a in args):
        return Kind.DIAGNOSTIC
    return Kind.CHANGE if args else Kind.OTHER


def _sysctl(args: list[str]) -> Kind:
    changes = any(
        a in ("-w", "--write", "-p", "--load", "--system") or (a.startswith("-p") and len(a) > 2) or "=" in a
        for a in args
    )
    return Kind.CHANGE if changes else Kind.DIAGNOSTIC


def _mount(args: list[str]) -> Kind:
    """`mount`, `mount -l`, `mount -t ext4` list; with a device or a mount point it mounts."""
    if any(a in ("-a", "--all") for a in args):
        return Kind.CHANGE
    return Kind.CHANGE if positional(args, {"-t", "--types", "-O", "--test-opts"}) else Kind.DIAGNOSTIC


def _hostname(args: list[str]) -> Kind:
    if any(a in ("-F", "--file", "-b", "--boot") for a in args):
        return Kind.CHANGE
    return Kind.CHANGE if positional(args) else Kind.DIAGNOSTIC


def _hostnamectl(args: list[str]) -> Kind:
    verbs = positional(args, {"-H", "--host", "-M", "--machine"})
    return (
        Kind.CHANGE
        if (verbs and verbs[0].startswith("set-")) or (verbs[:1] == ["hostname"] and verbs[1:])
        else Kind.DIAGNOSTIC
    )


def _sed(args: list[str]) -> Kind:
    return (
        Kind.CHANGE
        if any(
            a.startswith("--in-place") or (a.startswith("-") and not a.startswith("--") and "i" in a[1:]) for a in args
        )
        else Kind.DIAGNOSTIC
    )


def _ifupdown(args: list[str]) -> Kind:
    return (
        Kind.DIAGNOSTIC
        if any(
            a in ("-n", "--no-act", "-h", "--help", "-V", "--version")
            or (a.startswith("-") and not a.startswith("--") and "n" in a[1:])
            for a in args
        )
        else Kind.CHANGE
    )


def _nmcli(args: list[str]) -> Kind:
    """nmcli OBJECT [VERB]: no verb, show, status, list look; up, down, modify, add… change."""
    words = positional(
        args,
        {"-f", "--fields", "-g", "--get-values", "-e", "--escape", "-c", "--colors", "-m", "--mode", "-w", "--wait"},
    )
    sub = words[1] if len(words) > 1 else "show"
    return Kind.DIAGNOSTIC if sub in ("show", "status", "list", "s", "monitor") else Kind.CHANGE


def _resolvectl(args: list[str]) -> Kind:
    if args[:1] == ["query"]:
        return Kind.TEST
    return (
        Kind.DIAGNOSTIC
        if not args or (args[0] in ("status", "statistics", "dns", "domain") and len(args) <= 2)
        else Kind.CHANGE
    )


def _vdirsyncer(args: list[str]) -> Kind:
    """discover and sync ask the server: what one tests a synchronisation with."""
    sub = next(iter(positional(args, {"-c", "--config", "-v", "--verbosity"})), "")
    if sub in ("sync", "discover", "metasync"):
        return Kind.TEST
    return Kind.CHANGE if sub == "repair" else Kind.DIAGNOSTIC


def _lpoptions(args: list[str]) -> Kind:
    """lpoptions and cupsctl read their options unless one is set (-o/-r/-x/-d, KEY=VALUE)."""
    sets = any(
        a[:2] in ("-o", "-r", "-x", "-d")
        or "=" in a
        or a
        in (
            "-E",
            "--debug-logging",
            "--no-debug-logging",
            "--share-printers",
            "--no-share-printers",
            "--remote-admin",
            "--no-remote-admin",
            "--remote-any",
            "--no-remote-any",
        )
        for a in args
    )
    return Kind.CHANGE if sets else Kind.DIAGNOSTIC


def _apt_mark(args: list[str]) -> Kind:
    """hold/unhold/auto/manual change the dpkg database; show* only read it."""
    verbs = positional(args)
    return Kind.DIAGNOSTIC if not verbs or verbs[0].startswith("show") else Kind.CHANGE


def _samba_tool(args: list[str]) -> Kind:
    """samba-tool OBJECT VERB: show/list… read the directory, the others change it."""
    if any(a in ("--dry-run", "-n", "--help", "-h", "--version", "-V") for a in args):
        return Kind.DIAGNOSTIC
    words = positional(
        args, {"-H", "-U", "--URL", "--username", "-s", "--configfile", "--password", "-W", "--workgroup", "--realm"}
    )
    if words[:1] == ["dbcheck"]:
        return Kind.CHANGE if "--fix" in args else Kind.DIAGNOSTIC
    reads = any(p in SAMBA_TOOL_READ for p in words[:3])
    return Kind.DIAGNOSTIC if reads else Kind.CHANGE


def _pdbedit(args: list[str]) -> Kind:
    reads = any(a in ("-L", "--list", "-Lv", "-v", "-w") for a in args)
    writes = any(
        a in ("-a", "-x", "-r", "-c", "--create", "--delete", "--modify", "-t", "--password-from-stdin") for a in args
    )
    return Kind.DIAGNOSTIC if reads and not writes else Kind.CHANGE


def _dhclient(args: list[str]) -> Kind:
    return Kind.DIAGNOSTIC if any(a in ("--help", "-h", "--version") for a in args) else Kind.CHANGE


def _update_rc(args: list[str]) -> Kind:
    return Kind.DIAGNOSTIC if "-n" in args else Kind.CHANGE


def _crontab(args: list[str]) -> Kind:
    return Kind.DIAGNOSTIC if "-l" in args or not args else Kind.CHANGE


def _find(args: list[str]) -> Kind:
    return Kind.CHANGE if "-delete" in args else Kind.DIAGNOSTIC


def _tee(args: list[str]) -> Kind:
    return (
        Kind.CHANGE
        if any(a not in ("/dev/null", "/dev/stdout", "/dev/stderr") for a in positional(args))
        else Kind.OTHER
    )


def _passwd(args: list[str]) -> Kind:
    return Kind.DIAGNOSTIC if any(a in ("-S", "--status") for a in args) else Kind.CHANGE


def _chage(args: list[str]) -> Kind:
    return Kind.DIAGNOSTIC if any(a in ("-l", "--list") for a in args) else Kind.CHANGE


def _kill(args: list[str]) -> Kind:
    return Kind.DIAGNOSTIC if any(a in ("-l", "-L", "--list", "-0") for a in args) else Kind.CHANGE


def _swapon(args: list[str]) -> Kind:
    return Kind.CHANGE if positional(args) or "-a" in args else Kind.DIAGNOSTIC


def _route_like(args: list[str]) -> Kind:
    """ifconfig eth0 / route -n / arp -a look; ifconfig eth0 up, route add … change."""
    return Kind.CHANGE if len(positional(args)) >= 2 else Kind.DIAGNOSTIC


RULES: dict[str, Callable[[list[str]], Kind]] = {
    "systemctl": _systemctl,
    "service": _service,
    "invoke-rc.d": _service,
    "update-rc.d": _update_rc,
    "ip": _ip,
    "nft": _nft,
    "iptables": _iptables,
    "ip6tables": _iptables,
    "apt": _apt,
    "apt-get": _apt,
    "aptitude": _apt,
    "dpkg": _dpkg,
    "sysctl": _sysctl,
    "mount": _mount,
    "hostname": _hostname,
    "hostnamectl": _hostnamectl,
    "sed": _sed,
    "ifup": _ifupdown,
    "ifdown": _ifupdown,
    "nmcli": _nmcli,
    "resolvectl": _resolvectl,
    "vdirsyncer": _vdirsyncer,
    "lpoptions": _lpoptions,
    "cupsctl": _lpoptions,
    "apt-mark": _apt_mark,
    "samba-tool": _samba_tool,
    "pdbedit": _pdbedit,
    "dhclient": _dhclient,
    "crontab": _crontab,
    "find": _find,
    "tee": _tee,
    "passwd": _passwd,
    "chage": _chage,
    "kill": _kill,
    "swapon": _swapon,
    "ifconfig": _route_like,
    "route": _route_like,
    "arp": _route_like,
}


def kind_of(cmd: Command) -> Kind:
    """The kind of one simple command. Its output saved to a file (`ip a > etat.txt`) is still
    a look; anything else writing a file by redirection (`echo … > /etc/x`, `cat > f <<EOF`)
    changes that file."""
    if not cmd.argv:
        return Kind.CHANGE if cmd.writes else Kind.OTHER
    name, args = cmd.name, list(cmd.argv[1:])
    kind = _kind(cmd.argv[0], name, args)
    if (cmd.writes and kind not in (Kind.DIAGNOSTIC, Kind.TEST)) or (cmd.writes and name == "cat"):
        return Kind.CHANGE
    return kind


def _kind(path: str, name: str, args: list[str]) -> Kind:
    if "/init.d/" in path or path.startswith("/etc/rc.d/"):  # /etc/init.d/cups restart
        return _service([name, *args])
    if name in RULES:
        return RULES[name](args)
    if name in DAEMON_CHECKS:
        return Kind.DIAGNOSTIC if any(a in DAEMON_CHECKS[name] for a in args) else Kind.CHANGE
    if name in CHANGES:
        return Kind.CHANGE
    if name in TESTS:
        return Kind.TEST
    if name in DIAGNOSTICS:
        return Kind.DIAGNOSTIC
    if name in ("sudo", "doas") and any(a in ("-l", "--list") for a in args):
        return Kind.DIAGNOSTIC
    if name in ("sh", "bash", "dash") and "-n" in args:  # a script's syntax checked
        return Kind.DIAGNOSTIC
    return Kind.OTHER
