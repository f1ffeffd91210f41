"""Bad and hostile input at the scenario loader and the CLI: always one clear French error naming the
file or the fix, exit code 2, never a traceback, never a command run on the machine.

Complements test_loader_fuzz.py (any value anywhere in a scenario): here the values that matter for
safety — shell metacharacters, `../` paths, template injection, line breaks in what ends up in a
host's configuration files — in parameters (so only visible once rendered), in file paths and in
the CLI's own arguments.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from simulateur import cli
from simulateur.errors import ScenarioError, UsageError
from simulateur.scenario.loader import load_scenario, rendered_scenario, rendered_topology, resolve_params

ROOT = Path(__file__).resolve().parents[2]
GOOD = yaml.safe_load((ROOT / "scenarios" / "dhcp-serveur-arrete.yaml").read_text())
SHIPPED_IDS = {p.stem for p in (ROOT / "scenarios").glob("*.yaml")}

HOSTILE = [
    "$(touch /tmp/simulateur-pwned)",
    "`touch /tmp/simulateur-pwned`",
    "; touch /tmp/simulateur-pwned",
    "a.lan\ndhcp-script=/bin/sh",
    "x\nnameserver 6.6.6.6",
    "../../../../etc/passwd",
    "/etc/../etc/shadow",
    "{{7*7}}",
    "{lan.__class__}",
    "{lan.__init__.__globals__}",
    "${HOME}",
    "%(x)s",
    "-f/etc/passwd",
    "\0",
    "é" * 300,
    "' OR 1=1 --",
    "\x1b[2J",
    "a" * 5000,
]
hostile = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from(list("$`;|&<>(){}[]*?!~#'\"\\\n./- ")), max_size=20),
)


class Ran(AssertionError):
    pass


@pytest.fixture
def no_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    """Anything that would start a process on the machine fails the test."""

    def refuse(*args, **kwargs):
        raise Ran(f"commande lancée : {args!r}")

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    for name in ("system", "execv", "execve", "execvp", "execvpe", "fork", "posix_spawn", "posix_spawnp"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, refuse)


def _folder(tmp: Path) -> Path:
    shutil.copytree(ROOT / "scenarios" / "topologies", tmp / "topologies")
    return tmp


def _with(data: dict, **changes) -> str:
    out = dict(data)
    out.update(changes)
    return yaml.safe_dump(out, allow_unicode=True, sort_keys=False)


def _problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    assert exc.value.problems and all(p.startswith(f"{path}") for p in exc.value.problems), exc.value.problems
    return exc.value.problems


# --- values that only go wrong once the parameters are filled in ------------------------------------
@pytest.mark.parametrize(
    "param,value",
    [
        ("domaine", "a.lan\ndhcp-script=/bin/sh"),  # a line injected in dnsmasq.conf
        ("domaine", "$(reboot)"),
        ("srv_ip", "10.0.0.5; reboot"),  # an address that is a command
        ("srv_ip", "-f/etc/passwd"),
    ],
)
def test_a_parameter_cannot_smuggle_text_into_a_host_config(tmp_path, param, value, no_commands):
    folder = _folder(tmp_path)
    path = folder / "dhcp-serveur-arrete.yaml"
    path.write_text(_with(GOOD, params={param: {"choice": [value]}}))
    found = _problems(path)  # refused, naming the file and the rendered field that is wrong
    assert any("une fois les paramètres remplis" in p or "format attendu" in p or "adresse" in p for p in found), found


@pytest.mark.parametrize("path_value", ["/etc/{p}", "{p}"])
def test_a_parameter_cannot_make_a_path_climb(tmp_path, path_value, no_commands):
    folder = _folder(tmp_path)
    path = folder / "dhcp-serveur-arrete.yaml"
    faults = GOOD["faults"] + [{"action": "file.write", "host": "srv", "path": path_value, "content": "x"}]
    path.write_text(_with(GOOD, params={"p": {"choice": ["../../etc/passwd"]}}, faults=faults))
    found = _problems(path)
    assert any("chemin" in p or "path" in p for p in found), found


def test_a_bad_value_drawn_by_another_seed_stops_the_start_with_one_line(tmp_path, no_commands):
    """`validate` checks the draw of seed 0; a seed drawing another value is refused at start (before
    anything is built) with a French sentence, not a traceback."""
    folder = _folder(tmp_path)
    path = folder / "dhcp-serveur-arrete.yaml"
    for at in range(4):  # where in the list the bad value goes so that seed 0 does not draw it
        choice = ["bureau.lan", "compta.lan", "agence.lan"]
        choice.insert(at, "x.lan\ndhcp-script=/bin/sh")
        path.write_text(_with(GOOD, params={"domaine": {"choice": choice}}))
        try:
            loaded = load_scenario(path)
            break
        except ScenarioError:
            continue
    else:
        pytest.fail("seed 0 always draws the bad value")
    bad = next(s for s in range(200) if "\n" in resolve_params(loaded.scenario, loaded.topology, s)["domaine"])
    values = resolve_params(loaded.scenario, loaded.topology, bad)
    with pytest.raises(UsageError) as exc:
        rendered_topology(loaded.topology, values, loaded.scenario.hosts)
    assert "une fois les paramètres remplis" in str(exc.value) and "\n" not in str(exc.value)
    rendered_scenario(loaded.scenario, values)  # the scenario itself does not use it: fine


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=hostile, where=st.sampled_from(["domaine", "srv_ip", "routeur_ip", "lan", "path", "exec"]))
def test_any_hostile_parameter_is_data_or_a_clear_error(tmp_path_factory, value, where, no_commands):
    folder = _folder(tmp_path_factory.mktemp("hostile"))
    path = folder / "dhcp-serveur-arrete.yaml"
    extra: dict = {}
    if where == "path":
        extra["faults"] = GOOD["faults"] + [
            {"action": "file.write", "host": "srv", "path": "/etc/{v}", "content": "{v}"}
        ]
    elif where == "exec":
        extra["faults"] = GOOD["faults"] + [{"action": "exec", "host": "srv", "argv": ["echo", "{v}"]}]
    name = "v" if where in ("path", "exec") else where
    path.write_text(_with(GOOD, params={name: {"choice": [value]}}, **extra))
    try:
        loaded = load_scenario(path)
    except ScenarioError as exc:
        assert exc.problems and all(p.startswith(str(path)) for p in exc.problems)
        return
    # Accepted: then it is only data, and every seed renders or refuses cleanly.
    values = resolve_params(loaded.scenario, loaded.topology, 3)
    try:
        rendered_topology(loaded.topology, values, loaded.scenario.hosts)
        sc = rendered_scenario(loaded.scenario, values)
    except UsageError:
        return
    for action in sc.faults:
        if action.action == "file.write":
            assert ".." not in action.path.split("/")
        if action.action == "exec":
            # one argument, never split nor interpreted: the value as the file says it (PyYAML's
            # emitter writes some characters, e.g. NEL, so that they read back differently)
            written = yaml.safe_load(path.read_text())["params"][name]["choice"][0]
            assert action.argv == ["echo", written]


# --- the CLI ------------------------------------------------------------------------------------------
def _cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def _one_clear_error(code: int, err: str, path: str | None = None) -> None:
    """Exit code 2 and French lines, each « simulateur : … » or, about a file, « FILE[:LINE]: … »."""
    assert code == 2, (code, err)
    assert "Traceback" not in err and err.strip()
    lines = err.strip().split("\n")  # \x1e and friends do not break a terminal line
    if path is not None and "\n" in path:  # the file name itself has a line break: only the first counts
        lines = lines[:1]
    for line in lines:
        assert line.startswith("simulateur : ") or (path is not None and line.startswith(f"{path}:")), line


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.one_of(
        st.text(max_size=400),
        st.sampled_from(HOSTILE),
        st.builds(lambda v: _with(GOOD, title=v, params={"domaine": {"choice": [v]}}), hostile),
    )
)
def test_validate_any_file(tmp_path_factory, text, no_commands):
    folder = _folder(tmp_path_factory.mktemp("cli"))
    path = folder / "dhcp-serveur-arrete.yaml"
    path.write_text(text)
    code, out, err = _cli(["validate", str(path)])
    if code == 0:
        assert "valide" in out and not err
    else:
        _one_clear_error(code, err, str(path))


@pytest.mark.parametrize(
    "blob",
    [
        b"id: x\n" + b"a" * 1_200_000,  # huge
        b"\xff\xfe not utf-8",  # binary
        b"[" * 5000,  # deep
        b"a: &a ["
        + b",".join([b"x"] * 60)
        + b"]\n"
        + b"".join(  # billion laughs
            f"{c}: &{c} [".encode() + b",".join([f"*{p}".encode()] * 60) + b"]\n" for p, c in zip("abcdefg", "bcdefgh")
        ),
        b"id: !!python/object/apply:os.system 'touch /tmp/simulateur-pwned'\n",  # a YAML tag that runs code
        b"=\n",  # a special YAML value
    ],
)
def test_validate_bad_files(tmp_path, blob, no_commands):
    folder = _folder(tmp_path)
    path = folder / "dhcp-serveur-arrete.yaml"
    path.write_bytes(blob)
    code, _, err = _cli(["validate", str(path)])
    _one_clear_error(code, err, str(path))
    assert len(err.strip().splitlines()) == 1 and not Path("/tmp/simulateur-pwned").exists()


LAB_COMMANDS = [
    ["check", "{x}"],
    ["stop", "{x}"],
    ["shell", "{x}"],
    ["exec", "{x}", "poste", "--", "id"],
    ["exec", "lab1", "{x}", "--", "id"],
    ["qualify", "{x}", "--impact", "moyen", "--urgency", "haute"],
    ["start", "{x}"],
    ["start", "dhcp-serveur-arrete", "--variant", "{x}"],
    ["start", "dhcp-serveur-arrete", "--seed", "{x}"],
    ["selftest", "{x}"],
    ["selftest", "dhcp-serveur-arrete", "--seeds", "{x}"],
    ["validate", "{x}"],
    ["{x}"],
    ["list", "{x}"],
]


COMMANDS = set(next(a for a in cli.build_parser()._actions if a.dest == "command").choices)


def _parses_as_seeds(value: str) -> bool:
    try:
        [int(p) for p in value.split(",")]
    except ValueError:
        return False
    return True


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(template=st.sampled_from(LAB_COMMANDS), value=hostile)
def test_any_argument_gives_one_clear_error(template, value, no_commands, monkeypatch):
    """Hostile lab ids, host names, scenario ids, variants, seeds, file names: refused before anything
    is built or run (any command that would be started on the machine fails this test)."""
    # (A value with a line break is echoed in the error as it is: one message, on two lines.)
    assume(
        value not in SHIPPED_IDS
        and value.strip()
        and "\0" not in value
        and not value.startswith("-")
        and "\n" not in value
        and "\r" not in value
    )
    assume(not (template[0] == "{x}" and value.strip() in COMMANDS))  # a real command is not hostile
    monkeypatch.setattr(os, "geteuid", lambda: 0)  # as root: the checks after the root one are reached
    if template[-2:] in (["--seed", "{x}"], ["--seeds", "{x}"]):  # a valid seed would really build a lab
        assume(not _parses_as_seeds(value))
    argv = [value if a == "{x}" else a for a in template]
    code, _, err = _cli(argv)
    _one_clear_error(code, err, value if template[0] in ("validate", "selftest") else None)


def test_a_scenario_id_never_reaches_a_shell(tmp_path):
    """The real CLI, as a subprocess: a hostile scenario id is refused in one French line (exit 2), and
    the command it holds was not run."""
    marker = tmp_path / "pwned"
    for argv in (
        ["start", f"$(touch {marker})"],
        ["start", f"x; touch {marker}"],
        ["validate", f"`touch {marker}`"],
        ["stop", f"../{marker.name}"],
    ):
        proc = subprocess.run([sys.executable, "-m", "simulateur", *argv], capture_output=True, text=True)
        if proc.returncode == 2 and "root" in proc.stderr:  # not root: refused even earlier
            continue
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not marker.exists()
