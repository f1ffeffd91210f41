"""Property 5 — the project is invisible from a host: its checkout, scenarios (and their solutions),
data, cache, state and venv are not there, nor the machine's secrets (password hashes, sshd keys,
backups), nor any copy of a shipped scenario anywhere in the host's tree."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sechelpers import StartedLab, host_python, host_pythons

import simulateur
from simulateur import paths

# A machine path "shows" in a host when the host's path of that name holds the machine's content: a
# file with the same bytes, a directory listing some of the same entries. (A host may have a directory
# of that name of its own: the sshd hosts' /run/simulateur holds their journal socket, nothing more.)
SEE = r"""
import hashlib, json, os, sys
seen = {}
for path, machine in json.loads(sys.argv[1]).items():
    try:
        if isinstance(machine, list):
            shared = sorted(set(os.listdir(path)) & set(machine))
            if shared:
                seen[path] = shared[:6]
        else:
            with open(path, "rb") as f:
                if hashlib.sha256(f.read()).hexdigest() == machine:
                    seen[path] = "same content"
    except OSError:
        pass   # absent, or there but closed
print(json.dumps(seen))
"""


def project_paths(lab: StartedLab) -> list[Path]:
    """The machine's paths of the project, as this test and the lab's own start see them, plus their
    defaults (a trainee's machine has no SIMULATEUR_* variables)."""
    home = Path.home()
    found = {
        Path(simulateur.__file__).resolve().parents[1],  # the checkout
        paths.scenarios_dir(),
        paths.user_scenarios_dir(),
        paths.data_dir(),
        paths.cache_dir(),
        paths.state_root(),
        lab.data,
        lab.data / "scenarios",  # where this lab's attempt is recorded
        home / ".local/share/simulateur",
        home / ".cache/simulateur",
        Path("/run/simulateur"),
        Path(sys.prefix),
        home / ".cache",
    }
    return sorted(found | {p.resolve() for p in found})


def machine_view(path: Path) -> list[str] | str | None:
    """What the machine has there: a directory's entries, a file's sha256, None if nothing."""
    try:
        if path.is_dir():
            return sorted(os.listdir(path))
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def test_project_paths_are_not_visible(probed: dict[str, dict[str, Any]]) -> None:
    for host, found in probed.items():
        seen = found["see"]
        assert not seen, f"{host}: the machine's project paths show there (shared entries): {seen}"


SECRETS = r"""
import hashlib, json, os, sys
want = json.loads(sys.argv[1])
out = {"hashes": {}, "same": []}
for path in want["shadow"]:
    try:
        lines = open(path, errors="replace").read().splitlines()
    except OSError:
        continue
    users = [l.split(":")[0] for l in lines if len(l.split(":")) > 1 and l.split(":")[1].lstrip("!") not in ("", "*", "x")]
    if users:
        out["hashes"][path] = users
for path, digest in want["files"].items():
    try:
        with open(path, "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() == digest:
                out["same"].append(path)
    except OSError:
        pass
print(json.dumps(out))
"""


def machine_secret_files() -> dict[str, str]:
    """sha256 by path of the machine's files a host must not show: sshd keys, /var/backups."""
    found = {}
    candidates = [*Path("/etc/ssh").glob("ssh_host_*_key")]
    if Path("/var/backups").is_dir():
        candidates += [p for p in Path("/var/backups").rglob("*") if p.is_file() and not p.is_symlink()]
    for path in candidates:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if data:
            found[str(path)] = hashlib.sha256(data).hexdigest()
    return found


def test_machine_secrets_are_not_visible(probed: dict[str, dict[str, Any]]) -> None:
    for host, seen in probed.items():
        found = seen["secrets"]
        assert not found["hashes"], f"{host}: password hashes (users) readable: {found['hashes']}"
        assert not found["same"], f"{host}: the machine's own files readable: {found['same']}"


# grep every top-level directory of the host (but the kernel's and /usr, which is the distribution's;
# /usr/local is searched), then every file of a shipped scenario's size is hashed: a renamed copy counts.
SEARCH = r"""
import hashlib, json, os, subprocess, sys
want = json.loads(sys.argv[1])
dirs = [f"/{e}" for e in sorted(os.listdir("/")) if e not in ("proc", "sys", "dev", "usr")
        and os.path.isdir(f"/{e}") and not os.path.islink(f"/{e}")]
dirs += ["/usr/local"] if os.path.isdir("/usr/local") and not os.path.islink("/usr/local") else []
grep = subprocess.Popen(["grep", "-rlsI", "-D", "skip", "-E", r"^[[:space:]]*solution:[[:space:]]*$", *dirs],
                        stdout=subprocess.PIPE, text=True)
found = []
for line in grep.stdout:
    found.append(line.rstrip("\n"))
    if len(found) >= 20:
        grep.kill()
        break
grep.wait()
copies = []
sizes = {int(s) for s in want}
for d in dirs:
    for top, subdirs, files in os.walk(d):
        for name in files:
            path = os.path.join(top, name)
            try:
                st = os.lstat(path)
                if st.st_size in sizes and os.path.isfile(path) and not os.path.islink(path):
                    with open(path, "rb") as f:
                        if hashlib.sha256(f.read()).hexdigest() in want[str(st.st_size)]:
                            copies.append(path)
            except OSError:
                pass
print(json.dumps({"dirs": dirs, "grep": found, "copies": copies[:20]}))
"""


def test_no_scenario_solution_anywhere_in_a_host(bureau: StartedLab) -> None:
    shipped: dict[str, list[str]] = {}
    for path in paths.scenarios_dir().glob("*.yaml"):
        data = path.read_bytes()
        shipped.setdefault(str(len(data)), []).append(hashlib.sha256(data).hexdigest())
    assert shipped, "no shipped scenario to look for"
    host = bureau.hosts[0]
    found = host_python(bureau.id, host, SEARCH, shipped, timeout=600)
    assert found["dirs"], f"{host}: nothing searched"
    assert not found["grep"], f"{host}: files with a scenario's `solution:` line: {found['grep']}"
    assert not found["copies"], f"{host}: copies of shipped scenarios: {found['copies']}"


# A process a trainee can see in the host but whose root directory is the machine's hands the
# machine's whole tree over through /proc/PID/root. Looked for with a file only the machine has.
THROUGH_PROC = r"""
import json, os, sys
want = json.loads(sys.argv[1])
found = []
for pid in sorted((p for p in os.listdir("/proc") if p.isdigit()), key=int):
    try:
        with open(f"/proc/{pid}/root{want['path']}") as f:
            if f.read() == want["content"]:
                found.append(f"{pid} ({open(f'/proc/{pid}/comm').read().strip()})")
    except OSError:
        pass
print(json.dumps(found))
"""


def test_no_process_seen_in_a_host_opens_onto_the_machine(probed: dict[str, dict[str, Any]]) -> None:
    for host, seen in probed.items():
        found = seen["through_proc"]
        assert not found, f"{host}: the machine's files are reachable through /proc/PID/root of {found}"


@pytest.fixture(scope="module")
def probed(bureau: StartedLab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    """The per-host probes of this module, run once in every host (one `simulateur exec` each)."""
    wanted = {str(p): view for p in project_paths(bureau) if (view := machine_view(p)) is not None}
    assert wanted, "none of the project's paths exists on the machine"
    secrets = {"shadow": ["/etc/shadow-", "/etc/gshadow", "/etc/gshadow-"], "files": machine_secret_files()}
    marker = tmp_path_factory.mktemp("marker") / "machine-only"  # in the machine's /tmp
    content = f"only on the machine {os.getpid()} {marker}"
    marker.write_text(content)
    scripts = {
        "see": (SEE, wanted),
        "secrets": (SECRETS, secrets),
        "through_proc": (THROUGH_PROC, {"path": str(marker), "content": content}),
    }
    yield {host: host_pythons(bureau.id, host, scripts) for host in bureau.hosts}
