"""What a command line does, as a jury reads a journal: a diagnostic (looking), a test
(checking that something works), a change (modifying the system), or nothing of note.

A line with several commands (`;`, `&&`, `|`) is a change if any part changes something,
else a test if any part tests, else a diagnostic if any part looks.
"""

from __future__ import annotations

import re
import shlex
from enum import Enum


class Kind(str, Enum):
    DIAGNOSTIC = "diagnostic"
    TEST = "test"
    CHANGE = "change"
    OTHER = "other"


TESTS = {
    "ping", "ping6", "arping", "dig", "nslookup", "host", "curl", "wget", "traceroute", "tracepath",
    "mtr", "getent", "nc", "telnet", "ssh", "lp", "lpr", "ipptool", "smbclient", "resolvectl",
    "kinit",  # a logon: what one tests an account with
    "compta-pro",  # the accounting application of the lab repository: `compta-pro etat` checks it works
}
DIAGNOSTICS = {
    "cat", "less", "more", "head", "tail", "grep", "egrep", "zgrep", "journalctl", "ps", "pgrep", "top",
    "htop", "ss", "netstat", "ls", "ll", "lsof", "dmesg", "lspci", "lsusb", "lsmod", "lsblk", "df", "du",
    "free", "uptime", "id", "whoami", "find", "stat", "file", "ipcalc", "which", "type", "man", "uname",
    "date", "hostname", "ifconfig", "route", "arp", "ethtool", "iwconfig", "nmcli", "lpstat", "lpinfo",
    "ippfind", "driverless", "lpq", "dpkg-query", "apt-cache", "env", "printenv", "w", "who", "last", "tcpdump",
    "tshark",
    "wc", "sort", "diff", "md5sum", "sha256sum", "history", "pwd", "ip", "systemctl", "service",
    "nft", "iptables", "sysctl", "mount", "vdirsyncer", "dhclient",
    "klist", "ldapsearch", "ldbsearch", "wbinfo", "testparm", "smbstatus", "getfacl",
}
EDITORS = {"nano", "vi", "vim", "vim.tiny", "vim.basic", "ed", "emacs", "mcedit", "joe", "pico"}
CHANGES = EDITORS | {
    "cp", "mv", "rm", "rmdir", "touch", "chmod", "chown", "chgrp", "mkdir", "ln", "tee", "truncate",
    "kill", "pkill", "killall", "ifup", "ifdown", "dhcpcd", "udhcpc", "dnsmasq", "lpadmin",
    "cupsenable", "cupsdisable", "cupsaccept", "cupsreject", "cancel", "lpmove", "apt", "apt-get", "dpkg",
    "modprobe", "rmmod", "insmod", "depmod", "useradd", "usermod", "userdel", "passwd", "chpasswd",
    "groupadd", "gpasswd", "samba-tool", "ldapmodify", "ldapadd", "ldapdelete", "ldbmodify", "ldbadd",
    "ldbedit", "ldbdel", "setfacl", "smbpasswd", "pdbedit", "kpasswd",
    "reboot", "shutdown", "hostnamectl", "timedatectl",
    "câble",  # « simulateur cable … --plug/--unplug » is journaled as « câble HOST:IFACE branché sur … »
}
READ_ONLY_SUBCOMMANDS = {
    "systemctl": {"status", "is-active", "is-enabled", "is-failed", "list-units", "list-unit-files",
                  "cat", "show", "help", "--version"},
    "ip": {"a", "ad", "add", "addr", "address", "l", "li", "link", "r", "ro", "route", "n", "neigh",
           "rule", "-br", "-4", "-6", "-s", "-c", "-j", "monitor", "maddr"},
    "nmcli": {"general", "device", "dev", "d", "connection", "con", "c", "g"},
    "nft": {"list"},
    "iptables": {"-L", "-S", "-nL", "-nvL", "-vnL", "--list"},
}
# samba-tool verbs that only read (samba-tool user show NAME, group listmembers G, ou list…)
SAMBA_TOOL_READ = {"show", "list", "view", "getgroups", "listmembers", "listobjects", "getpassword", "query",
                   "show-user", "info", "level", "stats"}
IP_CHANGE_VERBS = {"add", "del", "delete", "flush", "set", "change", "replace", "append", "prepend"}
SEPARATORS = re.compile(r"\|\||&&|;|\||\n|&(?!>)")


def split_commands(line: str) -> list[str]:
    """The simple commands of a line, split on ; | || && & and newlines outside quotes (a quoted
    « & » or « ; », as in sed 's/x/A & B/', stays inside its command)."""
    parts, start, quote, i = [], 0, "", 0
    while i < len(line):
        c = line[i]
        if c == "\\" and quote != "'":
            i += 2
            continue
        if quote:
            quote = "" if c == quote else quote
        elif c in "'\"":
            quote = c
        elif not (c == "&" and i and line[i - 1] in "<>"):   # 2>&1, <&3: redirections, not separators
            m = SEPARATORS.match(line, i)
            if m:
                parts.append(line[start:i])
                start = i = m.end()
                continue
        i += 1
    parts.append(line[start:])
    return parts


def _words(part: str) -> list[str]:
    try:
        words = shlex.split(part, comments=True)
    except ValueError:
        words = part.split()
    while words:
        if "=" in words[0] and not words[0].startswith("=") or words[0] in ("sudo", "command", "time", "nohup"):
            words = words[1:]
        elif words[0] == "timeout":  # timeout [-s SIG] [-k DUR] DURATION COMMAND…: the command counts
            words = words[1:]
            while words and words[0].startswith("-"):
                words = words[2:] if words[0] in ("-s", "-k", "--signal", "--kill-after") else words[1:]
            words = words[1:]
        else:
            break
    return words


def _redirects_to_file(part: str) -> bool:
    for match in re.finditer(r"(?<![<&0-9])(?:[12]?)>{1,2}\s*([^\s;&|]+)", part):
        if match.group(1) not in ("/dev/null", "&1", "&2"):
            return True
    return False


def classify_part(part: str) -> Kind:
    words = _words(part)
    if not words:
        return Kind.OTHER
    cmd = words[0].rsplit("/", 1)[-1]
    args = words[1:]
    if _redirects_to_file(part) and cmd not in TESTS | DIAGNOSTICS - {"cat"}:
        return Kind.CHANGE
    if cmd == "sed":
        return Kind.CHANGE if any(a.startswith("-i") or a == "--in-place" for a in args) else Kind.DIAGNOSTIC
    if cmd in ("dhclient", "dnsmasq"):
        return Kind.DIAGNOSTIC if any(a in ("--help", "-h", "--version", "--test") for a in args) else Kind.CHANGE
    if cmd == "ip":
        verbs = [a for a in args if not a.startswith("-")]
        return Kind.CHANGE if any(v in IP_CHANGE_VERBS for v in verbs[1:2]) else Kind.DIAGNOSTIC
    if cmd in ("ifconfig", "route", "arp"):
        return Kind.CHANGE if len([a for a in args if not a.startswith("-")]) >= 2 else Kind.DIAGNOSTIC
    if cmd in ("systemctl", "service", "nmcli", "nft", "iptables", "sysctl", "hostname", "mount", "resolvectl"):
        if cmd == "service":
            return Kind.DIAGNOSTIC if args[1:2] == ["status"] or not args else Kind.CHANGE
        if cmd == "sysctl":
            return Kind.CHANGE if any(a == "-w" or "=" in a for a in args) or "-p" in args else Kind.DIAGNOSTIC
        if cmd in ("hostname", "mount"):
            return Kind.CHANGE if [a for a in args if not a.startswith("-")] else Kind.DIAGNOSTIC
        if cmd == "resolvectl":
            return Kind.TEST if args[:1] == ["query"] else (
                Kind.DIAGNOSTIC if not args or args[0] in ("status", "statistics") else Kind.CHANGE)
        positional = [a for a in args if not a.startswith("-") or cmd == "iptables"]
        first = positional[0] if positional else "status"
        if cmd == "nmcli":
            sub = positional[1] if len(positional) > 1 else "show"
            return Kind.DIAGNOSTIC if sub in ("show", "status", "list", "s") else Kind.CHANGE
        return Kind.DIAGNOSTIC if first in READ_ONLY_SUBCOMMANDS[cmd] else Kind.CHANGE
    if cmd == "vdirsyncer":  # discover and sync ask the server: what one tests a synchronisation with
        sub, skip = "", False
        for a in args:
            if skip or a in ("-c", "--config", "-v", "--verbosity"):
                skip = not skip
            elif not a.startswith("-"):
                sub = a
                break
        if sub in ("sync", "discover", "metasync"):
            return Kind.TEST
        return Kind.CHANGE if sub == "repair" else Kind.DIAGNOSTIC
    if cmd in ("lpoptions", "cupsctl"):  # reading options unless one is set (-o/-r/-x/-d, KEY=VALUE)
        sets = any(a[:2] in ("-o", "-r", "-x", "-d") or "=" in a or a in ("-E", "--debug-logging",
                   "--no-debug-logging", "--share-printers", "--no-share-printers") for a in args)
        return Kind.CHANGE if sets else Kind.DIAGNOSTIC
    if cmd == "apt-mark":  # hold/unhold/auto/manual change the dpkg database; show* only read it
        return Kind.DIAGNOSTIC if not args or args[0].startswith("show") else Kind.CHANGE
    if cmd == "samba-tool":  # samba-tool OBJECT VERB: show/list… read the directory, the others change it
        positional = [a for a in args if not a.startswith("-")]
        if positional[:1] == ["dbcheck"]:
            return Kind.CHANGE if "--fix" in args else Kind.DIAGNOSTIC
        reads = any(p in SAMBA_TOOL_READ for p in positional[1:3]) or positional[:1] == ["testparm"]
        return Kind.DIAGNOSTIC if reads else Kind.CHANGE
    if cmd == "pdbedit":
        return Kind.DIAGNOSTIC if any(a in ("-L", "--list", "-Lv", "-v") for a in args) and not any(
            a in ("-a", "-x", "-r", "-c", "--create", "--delete", "--modify") for a in args) else Kind.CHANGE
    if cmd in ("ssh", "sshpass"):  # what counts is the command run over there (journaled there too)
        remote = ssh_remote_command(cmd, args)
        return classify(remote) if remote else Kind.OTHER  # opening a session tests nothing by itself
    if cmd in CHANGES:
        if cmd in ("apt", "apt-get") and args[:1] and args[0] in ("show", "list", "search", "policy"):
            return Kind.DIAGNOSTIC
        if cmd == "dpkg" and any(a in ("-l", "-L", "-s", "-S", "--list", "--status", "--search", "--get-selections",
                                       "--audit", "-C", "--print-architecture") for a in args):
            return Kind.DIAGNOSTIC
        return Kind.CHANGE
    if cmd in TESTS:
        return Kind.TEST
    if cmd in DIAGNOSTICS:
        return Kind.DIAGNOSTIC
    return Kind.OTHER


SSH_OPTS_WITH_ARG = set("BbcDEeFIiJLlmOopQRSWw")


def ssh_remote_command(cmd: str, args: list[str]) -> str | None:
    """The command `ssh [opts] DEST CMD…` runs on DEST (None for an interactive session);
    `sshpass [-p PW|-f F|-e|-d N] ssh …` is seen through."""
    i = 0
    if cmd == "sshpass":
        while i < len(args) and args[i].startswith("-"):
            i += 2 if args[i] in ("-p", "-f", "-d", "-P") else 1
        if i >= len(args) or args[i].rsplit("/", 1)[-1] != "ssh":
            return None
        return ssh_remote_command("ssh", args[i + 1:])
    while i < len(args) and args[i].startswith("-") and args[i] != "--":
        opt = args[i]
        i += 2 if len(opt) == 2 and opt[1] in SSH_OPTS_WITH_ARG else 1
    if i < len(args) and args[i] == "--":
        i += 1
    rest = args[i + 1:]
    return " ".join(rest) if rest else None


def classify(line: str) -> Kind:
    kinds = {classify_part(p) for p in split_commands(line) if p.strip()}
    for kind in (Kind.CHANGE, Kind.TEST, Kind.DIAGNOSTIC):
        if kind in kinds:
            return kind
    return Kind.OTHER


def _touches(words: list[str], path: str) -> bool:
    base = path.rsplit("/", 1)[-1]
    return any(w == path or w.endswith("/" + base) or w == base for w in words)


def edits(line: str, path: str) -> bool:
    """Does this command line modify `path` (editor, sed -i, redirection, tee, cp/mv onto it)?"""
    for part in split_commands(line):
        words = _words(part)
        if not words or classify_part(part) is not Kind.CHANGE:
            continue
        cmd = words[0].rsplit("/", 1)[-1]
        targets = [m.group(1) for m in re.finditer(r">{1,2}\s*([^\s;&|]+)", part)]
        if any(_touches([t], path) for t in targets):
            return True
        if cmd in EDITORS | {"sed", "tee", "truncate"} and _touches(words[1:], path):
            return True
        if cmd in ("cp", "mv", "install") and len(words) > 2 and _touches(words[-1:], path):
            return True
    return False


def backs_up(line: str, path: str) -> bool:
    """Is this command line a copy of `path` somewhere else (cp, rsync, tar, cat > …)?"""
    for part in split_commands(line):
        words = _words(part)
        if not words:
            continue
        cmd = words[0].rsplit("/", 1)[-1]
        args = [w for w in words[1:] if not w.startswith("-")]
        if cmd in ("cp", "rsync") and len(args) >= 2 and _touches(args[:-1], path) and not _touches(args[-1:], path):
            return True
        if cmd == "tar" and _touches(args, path):
            return True
        if cmd == "cat" and _touches(args, path) and re.search(r">\s*\S", part):
            return True
    return False
