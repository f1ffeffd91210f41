"""Every text file the lab writes into a host ends with a newline (issue 16, item 4): the files a
host boots with, for every shipped scenario and variant, and what the scenarios' file.write and
file.replace actions leave — `echo line >> file` must never glue two lines together."""

from __future__ import annotations

import ipaddress

from simulateur.actions.core import FileWrite
from simulateur.lab import hostfs
from simulateur.scenario.loader import load_catalogue, rendered_topology
from simulateur.session.run import played


class _Host:
    def __init__(self) -> None:
        self.written: dict[str, str] = {}

    def write_text(self, path: str, content: str, mode: int = 0o644) -> None:
        self.written[path] = content


class _Lab:
    def __init__(self) -> None:
        self.h = _Host()

    def host(self, name: str) -> _Host:
        return self.h


def _cases():
    catalogue = load_catalogue(user=None)
    for sid, loaded in sorted(catalogue.scenarios.items()):
        for variant in sorted(loaded.scenario.variants) or [None]:
            values, sc = played(loaded.scenario, loaded.topology, 3, variant)
            topo = rendered_topology(loaded.topology, values, loaded.scenario.hosts)
            yield sid, variant, values, sc, topo


def test_every_file_a_host_boots_with_and_every_file_an_action_writes():
    bad, seen = [], 0
    for sid, variant, values, sc, topo in _cases():
        addrs = {
            name: str(ipaddress.IPv4Interface(i.address[0]).ip)
            for name, spec in topo.hosts.items()
            for i in spec.interfaces[:1]
            if i.address
        }
        for name, spec in topo.hosts.items():
            files = hostfs.host_files(name, spec, values.get("domaine"), addrs, 3)
            texts = {p: c for p, (c, _) in files.items() if isinstance(c, str) and c and not p.endswith("/")}
            for action in sc.faults + sc.solution:
                if getattr(action, "host", None) != name:
                    continue
                if action.action == "file.write":
                    lab = _Lab()
                    action.apply(lab)
                    texts[action.path] = lab.h.written[action.path]
                elif action.action == "file.replace" and action.path in texts and action.old in texts[action.path]:
                    texts[action.path] = texts[action.path].replace(action.old, action.new)
            seen += len(texts)
            bad += [f"{sid} ({variant}) {name}:{p}" for p, c in texts.items() if c and not c.endswith("\n")]
    assert seen > 1000
    assert bad == []


def test_file_write_ends_a_text_with_a_newline():
    lab = _Lab()
    FileWrite(action="file.write", host="srv", path="/etc/a.conf", content="x=1").apply(lab)
    FileWrite(action="file.write", host="srv", path="/etc/b.conf", content="x=1\n").apply(lab)
    FileWrite(action="file.write", host="srv", path="/etc/empty", content="").apply(lab)
    assert lab.h.written == {"/etc/a.conf": "x=1\n", "/etc/b.conf": "x=1\n", "/etc/empty": ""}
