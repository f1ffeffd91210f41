"""Property 1 — privilege: a root shell in a host holds no more than a Docker container's default
capabilities (none of SYS_ADMIN, SYS_MODULE, SYS_RAWIO, SYS_BOOT, SYS_PTRACE, SYS_TIME,
DAC_READ_SEARCH, MKNOD), or it runs in a user namespace of its own whose root is not the machine's.
(Every process of every host of every shipped scenario: test_straddlers.py.)"""

from __future__ import annotations

from sechelpers import StartedLab, machine_namespaces, privilege_problem, shell

SHOW = (
    "grep -E '^Cap(Bnd|Eff):' /proc/self/status; echo; cat /proc/self/uid_map; echo; "
    "stat -L -c %i /proc/self/ns/user; id -u"
)


def test_root_shell_has_no_more_than_the_container_profile(bureau: StartedLab) -> None:
    machine_userns = machine_namespaces()["user"]
    problems = []
    for host in bureau.hosts:
        run = shell(bureau.id, host, SHOW)
        assert run.code == 0, (host, run.err)
        caps, uid_map, rest = run.out.split("\n\n")
        fields = dict(line.split(":\t") for line in caps.splitlines())
        userns, uid = (int(x) for x in rest.split())
        assert uid == 0, f"{host}: the trainee's shell is not root ({uid})"
        problem = privilege_problem(
            f"root shell in {host}", fields["CapBnd"], fields["CapEff"], userns, uid_map, machine_userns
        )
        if problem:
            problems.append(problem)
    assert not problems, "\n".join(problems)
