"""Unit files: names and aliases, /etc/systemd/system/NAME.service parsed as systemd does
(specifiers, repeated keys, continuations), command lines, enablement links."""

import configparser
import glob
import os
import re
import shlex

from .common import LOG_DIR, RUN_DIR, SIMPLE_TYPES, UNIT_DIR, UNIT_SUFFIXES, Fail, hostname, hp, read_text


def unit_name(arg):
    if not arg or "/" in arg or arg.startswith("."):
        raise Fail('Invalid unit name "%s".' % arg)
    name = arg if arg.endswith(UNIT_SUFFIXES) else arg + ".service"
    if not os.path.isfile(hp(UNIT_DIR + "/" + name)):
        name = unit_aliases().get(name, name)
    return name


def unit_aliases():
    """{alias: unit} from the Alias= lines of the units' [Install] sections: as on Debian,
    `systemctl restart sshd` acts on ssh.service (Alias=sshd.service)."""
    out = {}
    for n in all_unit_names():
        text = read_text(os.path.join(hp(UNIT_DIR), n)) or ""
        for line in text.splitlines():
            key, sep, value = line.strip().partition("=")
            if sep and key.strip() == "Alias":
                for alias in value.split():
                    out.setdefault(alias, n)
    return out


class Cmd:
    def __init__(self, kind, value):
        self.kind = kind
        v = value.strip()
        flags = ""
        while v and v[0] in "-@+!:|":
            flags += v[0]
            v = v[1:]
        self.flags = flags
        self.text = v
        self.argv = shlex.split(v)
        if not self.argv:
            raise ValueError("empty command line")

    @property
    def ignore_failure(self):
        return "-" in self.flags

    def label(self):
        return "%s=%s" % (self.kind, self.text)


class Unit:
    def __init__(self, name):
        self.name = name
        self.base = name.removesuffix(".service")
        self.path = UNIT_DIR + "/" + name
        self.file = hp(self.path)
        self.found = name.endswith(".service") and "@" not in name and os.path.isfile(self.file)
        self.values = {}
        self.error = None
        if self.found:
            try:
                self._parse()
                self._check()
            except (OSError, UnicodeDecodeError, configparser.Error, ValueError) as e:
                self.error = str(e) or e.__class__.__name__

    # -- parsing: configparser after systemd-style preprocessing (leading
    #    blanks stripped, backslash continuations joined, repeated keys
    #    numbered so that ExecStartPre=, Environment=… can be given twice).
    def _parse(self):
        with open(self.file, encoding="utf-8") as f:
            text = f.read()
        lines, counts, section, cont = [], {}, None, ""
        for raw in text.splitlines():
            line = raw.strip()
            if cont:
                if line.startswith(("#", ";")):
                    continue
                line = cont + " " + line
                cont = ""
            if line.endswith("\\") and not line.startswith(("#", ";")):
                cont = line[:-1].rstrip()
                continue
            if not line or line[0] in "#;":
                lines.append("")
            elif line.startswith("[") and line.endswith("]"):
                section = line[1:-1]
                lines.append(line)
            elif "=" in line and section is not None:
                key, val = line.split("=", 1)
                key = key.strip()
                n = counts.get((section, key), 0)
                counts[(section, key)] = n + 1
                lines.append("%s\x1f%d=%s" % (key, n, val))
            else:
                lines.append("")  # systemd ignores such lines too
        if cont:
            lines.append(cont)
        cp = configparser.ConfigParser(
            interpolation=None,
            strict=False,
            delimiters=("=",),
            comment_prefixes=("#", ";"),
            empty_lines_in_values=False,
            default_section="\x1fnone",
        )
        cp.optionxform = str
        cp.read_string("\n".join(lines) + "\n")
        tmp = {}
        for sec in cp.sections():
            for key, val in cp.items(sec, raw=True):
                k, _, n = key.partition("\x1f")
                tmp.setdefault((sec, k), []).append((int(n or 0), val or ""))
        self.values = {k: [v for _, v in sorted(vs)] for k, vs in tmp.items()}

    def _spec(self, value):
        table = {
            "%": "%",
            "n": self.name,
            "N": self.base,
            "p": self.base,
            "P": self.base,
            "i": "",
            "I": "",
            "H": hostname(),
            "l": hostname(),
            "t": "/run",
            "h": "/root",
            "u": "root",
            "U": "0",
            "T": "/tmp",
            "V": "/var/tmp",
            "S": "/var/lib",
            "C": "/var/cache",
            "L": "/var/log",
            "E": "/etc",
        }
        return re.sub(r"%(.)", lambda m: table.get(m.group(1), m.group(0)), value)

    def get(self, section, key, default=None):
        vals = self.values.get((section, key))
        return self._spec(vals[-1].strip()) if vals else default

    def getlist(self, section, key):
        vals = [v.strip() for v in self.values.get((section, key), [])]
        for i in range(len(vals) - 1, -1, -1):
            if vals[i] == "":  # "Key=" resets the list
                vals = vals[i + 1 :]
                break
        return [self._spec(v) for v in vals]

    def boolean(self, section, key):
        return (self.get(section, key) or "").lower() in ("1", "yes", "true", "on")

    def cmds(self, kind):
        return [Cmd(kind, v) for v in self.getlist("Service", kind)]

    def _check(self):
        t = self.type
        start = self.cmds("ExecStart")
        for kind in ("ExecStartPre", "ExecStartPost", "ExecReload", "ExecStop", "ExecStopPost"):
            self.cmds(kind)
        if not start:
            raise ValueError("Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing.")
        if len(start) > 1 and t != "oneshot":
            raise ValueError(
                "Service has more than one ExecStart= setting, which "
                "is only allowed for Type=oneshot services. Refusing."
            )

    @property
    def type(self):
        t = (self.get("Service", "Type") or "simple").lower()
        return t if t in SIMPLE_TYPES + ("forking", "oneshot") else "simple"

    @property
    def description(self):
        return self.get("Unit", "Description") or ""

    @property
    def label(self):
        d = self.description
        return "%s - %s" % (self.name, d) if d and d != self.name else self.name

    @property
    def pidfile(self):
        p = self.get("Service", "PIDFile")
        if p and not p.startswith("/"):
            p = "/run/" + p
        return p

    def install_targets(self):
        out = []
        for key, suffix in (("WantedBy", ".wants"), ("RequiredBy", ".requires")):
            for v in self.getlist("Install", key):
                out.extend(t + suffix for t in v.split())
        return out

    def rf(self, ext):
        return hp("%s/%s.%s" % (RUN_DIR, self.base, ext))

    @property
    def logfile(self):
        return hp("%s/%s.log" % (LOG_DIR, self.base))


def load(arg):
    return Unit(unit_name(arg))


def all_unit_names():
    try:
        names = os.listdir(hp(UNIT_DIR))
    except OSError:
        return []
    return sorted(
        n for n in names if n.endswith(".service") and "@" not in n and os.path.isfile(os.path.join(hp(UNIT_DIR), n))
    )


def wants_links(name):
    """Every enablement symlink for NAME under /etc/systemd/system."""
    out = []
    for d in ("*.wants", "*.requires"):
        for link in glob.glob(os.path.join(hp(UNIT_DIR), d, name)):
            if os.path.islink(link) or os.path.exists(link):
                out.append(link)
    return sorted(out)


def enabled_state(u):
    if wants_links(u.name):
        return "enabled"
    return "disabled" if u.install_targets() else "static"


def need_units(verb, args):
    if not args:
        raise Fail("Too few arguments.", 1)
    return [load(a) for a in args]
