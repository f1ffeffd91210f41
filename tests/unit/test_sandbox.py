"""The sandbox's pieces that need no lab: the system layer, account files, the seccomp program,
cgroup limits on a cgroup tree laid out in a temp dir (v1 and v2)."""

from __future__ import annotations

import importlib
import os
import stat
import subprocess
from pathlib import Path

import pytest

from simulateur.lab import hostfs, profile, sandbox

root_only = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (whiteouts are device nodes)")


def _whiteout(path: Path) -> bool:
    st = os.lstat(path)
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == 0


@root_only
def test_system_layer_hides_machine_secrets_and_data(tmp_path: Path) -> None:
    layer = sandbox.build_system_layer(tmp_path)
    # every /etc file others may not read is hidden, whatever its name
    for rel, is_dir in sandbox._walk_private("/etc"):
        target = layer / rel
        if is_dir:
            assert os.getxattr(target, "trusted.overlay.opaque") == b"y", rel
        else:
            assert _whiteout(target), rel
    assert _whiteout(layer / "etc/shadow-") if os.path.exists("/etc/shadow-") else True
    # /var: the package system kept, every other directory there but empty
    for parent, keep in profile.VAR_KEEP.items():
        if not os.path.isdir("/" + parent):
            continue
        for entry in os.scandir("/" + parent):
            hidden = layer / parent / entry.name
            if entry.name in keep:  # there (it may hide some of its own entries: VAR_HIDE), not hidden
                assert not os.path.lexists(hidden) or (os.path.isdir(hidden) and not os.listxattr(hidden)), hidden
            elif entry.is_dir(follow_symlinks=False):
                assert os.getxattr(hidden, "trusted.overlay.opaque") == b"y", hidden
            else:
                assert _whiteout(hidden), hidden


@root_only
def test_project_paths_under_a_lower_dir_are_hidden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIMULATEUR_DATA", "/var/lib/simulateur-essai")
    monkeypatch.setenv("SIMULATEUR_CACHE", "/usr/local/share/simulateur-cache")
    layer = sandbox.build_system_layer(tmp_path)
    for rel in ("var/lib/simulateur-essai", "usr/local/share/simulateur-cache"):
        path = layer / rel
        assert os.path.lexists(path), rel
        assert _whiteout(path) or os.getxattr(path, "trusted.overlay.opaque") == b"y"
    # never a system directory itself
    assert not _whiteout(layer / "usr") and not os.path.lexists(layer / "usr/lib")


def test_account_files_keep_system_accounts_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    etc = {
        "passwd": "root:x:0:0:root:/root:/bin/bash\nlp:x:7:7:lp:/var/spool/lpd:/usr/sbin/nologin\n"
        "alice:x:1001:1001:Alice Martin:/home/alice:/bin/bash\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n",
        "group": "root:x:0:\nlp:x:7:alice\nalice:x:1001:\nsudo:x:27:alice,bob\n",
        "shadow": "root:$6$abc$def:19000:0:99999:7:::\nlp:*:19000::::::\nalice:$y$j9T$xyz:19000::::::\n",
        "gshadow": "root:*::\nlp:!::alice\nalice:!::\nsudo:$6$x::alice,bob\n",
    }
    real_read = hostfs._read_lines

    def fake(path: str) -> list[list[str]]:
        name = Path(path).name
        return [line.split(":") for line in etc[name].splitlines()] if name in etc else real_read(path)

    monkeypatch.setattr(hostfs, "_read_lines", fake)
    files = hostfs.system_accounts()
    text = "".join(str(content) for content, _ in files.values())
    assert "alice" not in text and "Alice" not in text
    assert "$6$" not in text and "$y$" not in text
    assert "nobody:x:65534" in str(files["/etc/passwd"][0]) and "lp:x:7:" in str(files["/etc/group"][0])
    assert "sudo:x:27:bob" in str(files["/etc/group"][0])
    assert hostfs.locked_shadow("HASH").startswith("root:HASH:")


@root_only
def test_seccomp_program_is_built_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from simulateur.lab import seccomp_build

    monkeypatch.setenv("SIMULATEUR_STATE", str(tmp_path))
    first = seccomp_build.program()
    data = first.read_bytes()
    assert len(data) % 8 == 0 and len(data) // 8 > len(profile.DENIED_SYSCALLS)
    assert seccomp_build.program() == first


def _fake_v1(root: Path) -> None:
    for controller in ("memory", "pids"):
        (root / controller).mkdir(parents=True)
        (root / controller / "cgroup.procs").write_text("")


def _fake_v2(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
    (root / "cgroup.subtree_control").write_text("cpu\n")
    (root / "cgroup.procs").write_text("")


@pytest.mark.parametrize("layout", ["v1", "v2"])
def test_cgroup_limits_are_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str) -> None:
    from simulateur.lab import cgroups

    monkeypatch.setattr(cgroups, "CGROUP_ROOT", tmp_path)
    monkeypatch.setenv("SIMULATEUR_STATE", str(tmp_path / "state"))
    # A plain directory does not create the interface files the kernel would: make them appear.
    real_mkdir = Path.mkdir

    def mkdir(self: Path, *args: object, **kwargs: object) -> None:
        real_mkdir(self, *args, **kwargs)  # type: ignore[arg-type]
        if layout == "v2" and not (self / "cgroup.subtree_control").exists():
            (self / "cgroup.subtree_control").write_text("")

    monkeypatch.setattr(Path, "mkdir", mkdir)
    (_fake_v1 if layout == "v1" else _fake_v2)(tmp_path)
    procs = cgroups.create("lab7")
    if layout == "v1":
        assert procs == [
            str(tmp_path / "memory/simulateur/lab7/cgroup.procs"),
            str(tmp_path / "pids/simulateur/lab7/cgroup.procs"),
        ]
        assert (tmp_path / "memory/simulateur/lab7/memory.limit_in_bytes").read_text() == str(profile.LAB_MEMORY_BYTES)
        assert (tmp_path / "pids/simulateur/lab7/pids.max").read_text() == str(profile.LAB_PIDS)
    else:
        group = tmp_path / "simulateur/lab7"
        assert procs == [str(group / "cgroup.procs")]
        assert (group / "memory.max").read_text() == str(profile.LAB_MEMORY_BYTES)
        assert (group / "pids.max").read_text() == str(profile.LAB_PIDS)
        assert "+memory" in (tmp_path / "cgroup.subtree_control").read_text()
    assert cgroups.lab_ids() == {"lab7"}


def test_no_cgroup_hierarchy_is_said_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from simulateur.lab import cgroups

    monkeypatch.setattr(cgroups, "CGROUP_ROOT", tmp_path / "absent")
    monkeypatch.setenv("SIMULATEUR_STATE", str(tmp_path / "state"))
    assert cgroups.create("lab1") == [] and cgroups.create("lab2") == []
    err = capsys.readouterr().err
    assert err.count("limites mémoire et processus") == 1 and "Traceback" not in err


def test_agent_is_standard_library_only() -> None:
    """The agent runs with `python3 -I -S`: nothing but the standard library, nothing of ours (its
    annotations' imports, under `if TYPE_CHECKING:`, are never run)."""
    import ast

    tree = ast.parse(sandbox.AGENT.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            node.body = []
    names = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    names |= {str(node.module).split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert names <= {"__future__", "ctypes", "json", "os", "signal", "socket", "sys"}, names
    loaded = subprocess.run(
        [
            sandbox.SYSTEM_PYTHON,
            "-I",
            "-S",
            "-c",
            (
                "import sys; exec(compile(open(sys.argv[1]).read(), sys.argv[1], 'exec'), {'__name__': 'agent'});"
                "print('typing' in sys.modules)"
            ),
            str(sandbox.AGENT),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert loaded.stdout.strip() == "False"  # the annotations cost nothing at start
    assert importlib.util.find_spec("simulateur.lab.sandbox_agent") is not None
