"""The sandbox agent: makes a lab host's PID 1, confined (entering a running host is
sandbox_enter.c's, the same steps in C: it runs for every command the engine starts in a host).

Run by path with the machine's python (`/usr/bin/python3 -I -S sandbox_agent.py VERB JSON`),
standard library only: it must start fast (~10 ms) and must never be a file of the host (root in a
host could replace it). One JSON argument per call, written by simulateur/lab/sandbox.py.

  boot  — makes the host's PID 1: this process only sets the PID namespace its children are born
          in, forks, and waits (it stays entirely in the machine's namespaces); the child, PID 1
          of the new PID namespace, enters the host's network namespace, takes mount, IPC, UTS
          namespaces of its own, joins the lab's cgroups, takes a cgroup namespace of its own,
          builds the host's root (overlays of the machine's /usr /etc /var only, the host's
          own top-level directories, a private /dev with a new devpts instance, proc with
          Docker's masked and read-only paths, a read-only sysfs, bounded tmpfs), pivots into it,
          confines itself (below), runs the host's boot script, says "ready", then becomes the
          host's init (a shell loop that reaps orphans).
  (enter — sandbox_enter.c: the caller only sets its children's PID namespace and waits; the
          child joins the host's cgroups and every other namespace, takes its root, confines
          itself the same way and execs; with a tty, fd 0 — a pty of the host's own devpts
          instance, opened by simulateur/journal/terminal.py — becomes its controlling terminal.)
  mount — the engine's own privileged gesture in a host (a fault's small file system): mount a
          tmpfs at a path of the host, resolved inside the host's mount namespace.
  userns — (option SIMULATEUR_USERNS, simulateur/lab/userns.py) for each host, a user namespace
          whose root is an unprivileged range of the machine's ids, and a network namespace
          *owned by it*, bound on /run/netns/NAME: root of a child user namespace may configure
          only a network namespace its own user namespace owns (`ip addr add` in one made by the
          machine's root → EPERM, measured). Done here because unshare(CLONE_NEWUSER) refuses a
          threaded process, which the engine is.

With a user namespace (the boot spec's "userns"), the host's PID 1 is built as above by the
machine's root, with two differences: every layer it gets from a disk (the machine's /usr /etc
/var, the lab's system layer, the host's own directory) is an *idmapped* clone of it (open_tree(2)
OPEN_TREE_CLONE + mount_setattr(2) MOUNT_ATTR_IDMAP with the host's user namespace, the owner of
its network namespace), so that a file owned by uid N on disk is owned by N inside the host — the
machine's files keep their owners, the engine's files (written as uid 0) are root's, and what the
host writes lands on disk with the ids it sees; and the whole build runs with the file-system ids
of the host's root (setfsuid, capabilities kept by SECBIT_NO_SETUID_FIXUP), because an idmapped
mount refuses to create a file for an id it cannot map (EOVERFLOW for the machine's uid 0,
measured) and the overlay acts on its layers with its mounter's ids. Just before confining itself,
PID 1 joins the host's user namespace (setns) and becomes its root (setresuid 0 = the range's
first id outside); the capability bounding set and seccomp filter are then applied there too.
`enter` joins it the same way, last. The mount, PID, IPC, UTS and cgroup namespaces stay the
machine root's: root of the host has no administrative right over them.

Confinement (values in simulateur/lab/profile.py, passed in the JSON): the capability bounding
set is cut to the kept capabilities, the seccomp filter (compiled by seccomp_build.py) is loaded
while CAP_SYS_ADMIN is still held, then the effective, permitted and inheritable sets are set to
the kept ones and the ambient set is cleared. Root in the host then gets exactly the kept
capabilities at every exec, and no process can undo any of it.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import sys

# Annotations only (strings, never evaluated): the agent does not pay typing's import at start.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NoReturn

    Spec = dict[str, Any]  # the JSON argument

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC = 0x20000, 0x2000000, 0x4000000, 0x8000000
CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWUSER = 0x20000000, 0x40000000, 0x10000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_CAPBSET_DROP, PR_SET_SECCOMP, PR_CAP_AMBIENT = 24, 22, 47
PR_CAP_AMBIENT_CLEAR_ALL, SECCOMP_MODE_FILTER = 4, 2
SYS_PIVOT_ROOT, SYS_CAPSET, SYS_SECCOMP = 155, 126, 317
SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER = 1, 1 << 3
SYS_OPEN_TREE, SYS_MOVE_MOUNT, SYS_MOUNT_SETATTR = 428, 429, 442  # the same on every architecture
OPEN_TREE_CLONE, OPEN_TREE_CLOEXEC, AT_EMPTY_PATH, AT_FDCWD = 1, 0o2000000, 0x1000, -100
MOVE_MOUNT_F_EMPTY_PATH, MOUNT_ATTR_IDMAP = 4, 0x100000
PR_GET_SECUREBITS, PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP = 27, 28, 1 << 2
NS_GET_USERNS = 0xB701
LINUX_CAPABILITY_VERSION_3 = 0x20080522

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


# What the kernel must offer, by step: said in the one-line error when it refuses (French, as every
# message a trainer reads; the agent has no access to the catalogue of simulateur.i18n).
NEEDS = {
    "seccomp": "le noyau doit accepter les filtres seccomp (CONFIG_SECCOMP_FILTER)",
    "unshare": "le noyau doit offrir les espaces de noms mount, pid, ipc, uts (CONFIG_NAMESPACES)",
    "unshare cgroup": "le noyau doit offrir les espaces de noms cgroup (Linux ≥ 4.6, CONFIG_CGROUPS)",
    "overlay": "le noyau doit offrir overlayfs (modprobe overlay)",
    "devpts": "le noyau doit offrir des instances devpts séparées (Linux ≥ 4.7)",
    "unshare user+net": "le noyau doit offrir les espaces de noms utilisateur (CONFIG_USER_NS)",
    "open_tree": "le noyau doit offrir les montages idmappés (Linux ≥ 5.12)",
    "mount_setattr": "le noyau doit offrir les montages idmappés (Linux ≥ 5.12, ext4 ou tmpfs ≥ 6.3)",
}


def fail(what: str, err: int | None = None) -> NoReturn:
    err = ctypes.get_errno() if err is None else err
    need = (
        ""
        if err not in (19, 22, 38, 95)
        else next(  # ENODEV EINVAL ENOSYS EOPNOTSUPP: a missing feature
            (text for key, text in NEEDS.items() if what == key or what.startswith(key + " ")), ""
        )
    )
    sys.stderr.write(f"bac à sable : {what} refusé ({os.strerror(err)})" + (f" — {need}" if need else "") + "\n")
    sys.stderr.flush()
    os._exit(111)


def check(rc: int, what: str) -> None:
    if rc != 0:
        fail(what)


def mount(source: str | None, target: str, fstype: str | None, flags: int = 0, data: str | None = None) -> None:
    what = f"{fstype} {target}" if fstype in ("overlay", "devpts") else f"mount {target}"
    check(
        libc.mount(
            source.encode() if source else None,
            target.encode(),
            fstype.encode() if fstype else None,
            flags,
            data.encode() if data else None,
        ),
        what,
    )


def setns(fd: int, kind: int, what: str) -> None:
    check(libc.setns(fd, kind), f"setns {what}")


# --- confinement -----------------------------------------------------------------------------------
class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def hand_listener(spec: Spec) -> None:
    """The exec notifier with a new listener, handed to the lab's exec auditor (simulateur/lab/
    audit.py) on the socket connected before the host's root was taken; its answer awaited."""
    audit = spec["audit"]
    prog = audit["bpf_bytes"]
    buf = ctypes.create_string_buffer(prog, len(prog))
    fprog = _SockFprog(len(prog) // 8, ctypes.cast(buf, ctypes.c_void_p))
    listener = libc.syscall(SYS_SECCOMP, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, ctypes.byref(fprog))
    if listener < 0:
        fail("seccomp notify")
    s = audit["socket"]
    s.settimeout(20)
    try:
        socket.send_fds(s, [spec["name"].encode() + b"\0boot"], [listener])
        ok = s.recv(1)
    except OSError as exc:
        fail("audit", exc.errno)
    if ok != b"k":
        fail("audit")
    os.close(listener)
    s.close()


def confine(spec: Spec) -> None:
    """Bounding set, seccomp, then the process's own sets (see the module's docstring)."""
    kept = set(spec["caps"])
    for cap in range(spec["cap_last"] + 1):
        if cap not in kept:
            check(libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), f"capbset drop {cap}")
    check(libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "ambient")
    if spec.get("audit"):
        hand_listener(spec)
    prog = spec["bpf_bytes"]
    buf = ctypes.create_string_buffer(prog, len(prog))
    fprog = _SockFprog(len(prog) // 8, ctypes.cast(buf, ctypes.c_void_p))
    check(libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0), "seccomp")
    mask = [0, 0]
    for cap in kept:
        mask[cap // 32] |= 1 << (cap % 32)
    header = _CapHeader(LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)(_CapData(mask[0], mask[0], 0), _CapData(mask[1], mask[1], 0))
    if libc.syscall(SYS_CAPSET, ctypes.byref(header), data) != 0:
        fail("capset")


def load(spec: Spec) -> None:
    with open(spec["bpf"], "rb") as f:
        spec["bpf_bytes"] = f.read()
    if spec.get("audit"):
        with open(spec["audit"]["bpf"], "rb") as f:
            spec["audit"]["bpf_bytes"] = f.read()
    with open("/proc/sys/kernel/cap_last_cap") as f:
        spec["cap_last"] = int(f.read())


def join_cgroups(paths: list[str]) -> None:
    for path in paths:
        try:
            with open(path, "w") as f:
                f.write("0")
        except OSError as exc:
            fail(f"cgroup {path}", exc.errno)


# --- user namespace ------------------------------------------------------------------------------------
class _MountAttr(ctypes.Structure):
    _fields_ = [
        ("attr_set", ctypes.c_uint64),
        ("attr_clr", ctypes.c_uint64),
        ("propagation", ctypes.c_uint64),
        ("userns_fd", ctypes.c_uint64),
    ]


def idmapped(source: str, target: str, userfd: int) -> None:
    """Attach at `target` a clone of the mount tree at `source` (not its submounts) seen through
    the user namespace `userfd`'s id mapping."""
    fd = libc.syscall(SYS_OPEN_TREE, AT_FDCWD, source.encode(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)
    if fd < 0:
        fail(f"open_tree {source}")
    attr = _MountAttr(MOUNT_ATTR_IDMAP, 0, 0, userfd)
    check(
        libc.syscall(SYS_MOUNT_SETATTR, fd, b"", AT_EMPTY_PATH, ctypes.byref(attr), ctypes.sizeof(attr)),
        f"mount_setattr idmap {source}",
    )
    os.makedirs(target, exist_ok=True)
    check(
        libc.syscall(SYS_MOVE_MOUNT, fd, b"", AT_FDCWD, target.encode(), MOVE_MOUNT_F_EMPTY_PATH),
        f"move_mount {target}",
    )
    os.close(fd)


def act_as(uid: int, gid: int) -> None:
    """Create files as the host's root would (uid, gid outside) while keeping the machine root's
    capabilities for the mounts still to make (see the module's docstring)."""
    bits = libc.prctl(PR_GET_SECUREBITS, 0, 0, 0, 0)
    check(libc.prctl(PR_SET_SECUREBITS, bits | SECBIT_NO_SETUID_FIXUP, 0, 0, 0), "securebits")
    libc.setfsuid(uid)
    libc.setfsgid(gid)
    if libc.setfsuid(-1) != uid or libc.setfsgid(-1) != gid:
        fail("setfsuid", 1)


def become_root_of(userfd: int) -> None:
    """Join the host's user namespace and be its root. setns gives every capability in it and
    resets the securebits; they are reset again here explicitly: with NO_SETUID_FIXUP left on, a
    service dropping to its own user would keep its capabilities."""
    setns(userfd, CLONE_NEWUSER, "user")
    os.close(userfd)
    check(libc.prctl(PR_SET_SECUREBITS, 0, 0, 0, 0), "securebits")
    os.setgroups([])
    os.setresgid(0, 0, 0)
    os.setresuid(0, 0, 0)


def make_userns(spec: Spec) -> None:
    """Verb `userns`: {"hosts": [{"netns": /run/netns/NAME, "base": first id outside, "size": n}]}.
    A child unshares a user and a network namespace at once (the network one is then owned by
    the user one), this process writes its id maps and binds its network namespace; the child
    ends, the bound network namespace keeps both alive."""
    for item in spec["hosts"]:
        ready_r, ready_w = os.pipe()
        go_r, go_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(ready_r)
            os.close(go_w)
            rc = libc.unshare(CLONE_NEWUSER | CLONE_NEWNET)
            os.write(ready_w, str(0 if rc == 0 else ctypes.get_errno()).encode())
            os.read(go_r, 1)
            os._exit(0)
        os.close(ready_w)
        os.close(go_r)
        try:
            err = int(os.read(ready_r, 16) or b"1")
            if err:
                fail("unshare user+net", err)
            for name in ("uid_map", "gid_map"):
                with open(f"/proc/{pid}/{name}", "w") as f:
                    f.write(f"0 {item['base']} {item['size']}\n")
            target = item["netns"]
            os.close(os.open(target, os.O_RDONLY | os.O_CREAT | os.O_EXCL, 0))
            if libc.mount(f"/proc/{pid}/ns/net".encode(), target.encode(), None, MS_BIND, None) != 0:
                err = ctypes.get_errno()
                os.unlink(target)
                fail(f"mount {target}", err)
        finally:
            os.write(go_w, b"x")
            os.waitpid(pid, 0)
    sys.stdout.write("ok\n")


# --- boot --------------------------------------------------------------------------------------------
def stage_idmapped(spec: Spec, userfd: int) -> None:
    """With a user namespace: the host's layers as idmapped clones under <host>/idmap/ (a
    directory of the lab's tmpfs, in the host's private mount namespace); the spec's paths are
    rewritten to point at them."""
    stage = spec["userns"]["stage"]
    for name in spec["lowers"]:
        idmapped(f"/{name}", f"{stage}/machine/{name}", userfd)
    idmapped(spec["userns"]["system"], f"{stage}/system", userfd)
    idmapped(spec["userns"]["host"], f"{stage}/host", userfd)
    host = spec["userns"]["host"]
    for key in ("root", "upper", "work"):
        spec[key] = f"{stage}/host" + spec[key][len(host) :]
    spec["machine"] = {name: f"{stage}/machine/{name}" for name in spec["lowers"]}
    spec["lowers"] = {name: f"{stage}/system/{name}" for name in spec["lowers"]}


def build_root(spec: Spec) -> None:
    root, upper, work = spec["root"], spec["upper"], spec["work"]
    machine = spec.get("machine") or {name: f"/{name}" for name in spec["lowers"]}
    mount(root, root, None, MS_BIND)  # pivot_root wants a mount point
    for name in os.listdir(upper):
        path = os.path.join(upper, name)
        if name in spec["lowers"] or not os.path.isdir(path) or os.path.islink(path):
            continue
        os.makedirs(os.path.join(root, name), exist_ok=True)
        mount(path, os.path.join(root, name), None, MS_BIND | MS_REC)
    for name, extra in spec["lowers"].items():
        target = os.path.join(root, name)
        os.makedirs(target, exist_ok=True)
        lower = f"{extra}:{machine[name]}" if extra else machine[name]
        mount("overlay", target, "overlay", 0, f"lowerdir={lower},upperdir={upper}/{name},workdir={work}/{name}")
    # /dev: a private tmpfs with the few nodes a container has, a devpts instance of its own.
    dev = os.path.join(root, "dev")
    mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, f"mode=755,size={spec['tmpfs']['/dev']}")
    for name, major, minor in spec["devices"]:
        node = os.path.join(dev, name)
        os.mknod(node, 0o666 | 0o020000, os.makedev(major, minor))
        os.chmod(node, 0o666)
    os.mkdir(os.path.join(dev, "pts"))
    mount(
        "devpts",
        os.path.join(dev, "pts"),
        "devpts",
        MS_NOSUID | MS_NOEXEC,
        f"newinstance,ptmxmode=0666,mode=620,gid={spec.get('tty_gid', 5)}",
    )
    for name, target in spec["dev_links"].items():
        os.symlink(target, os.path.join(dev, name))
    os.mkdir(os.path.join(dev, "shm"))
    mount(
        "tmpfs", os.path.join(dev, "shm"), "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={spec['tmpfs']['/dev/shm']}"
    )
    mount("tmpfs", os.path.join(root, "run"), "tmpfs", MS_NOSUID | MS_NODEV, f"mode=755,size={spec['tmpfs']['/run']}")
    mount("tmpfs", os.path.join(root, "tmp"), "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={spec['tmpfs']['/tmp']}")
    mount("proc", os.path.join(root, "proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    mount("sysfs", os.path.join(root, "sys"), "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
    # Docker's masked paths: an empty read-only tmpfs on a directory, /dev/null on a file.
    for inside in spec["masked"]:
        path = root + inside
        if os.path.isdir(path) and not os.path.islink(path):
            mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=555")
        elif os.path.exists(path):
            mount(os.path.join(dev, "null"), path, None, MS_BIND)
    for inside in spec["readonly"]:
        path = root + inside
        if os.path.exists(path):
            mount(path, path, None, MS_BIND | MS_REC)
            mount(None, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for inside in spec["writable"]:
        path = root + inside
        if os.path.exists(path):
            mount(path, path, None, MS_BIND)
            mount(None, path, None, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_NOEXEC)


def boot(spec: Spec) -> NoReturn:
    """This process only sets the PID namespace of its children and waits: it stays entirely in
    the machine's namespaces. Its child is the host's PID 1 and takes every other namespace."""
    load(spec)
    netns = os.open(spec["netns"], os.O_RDONLY | os.O_CLOEXEC)
    check(libc.unshare(CLONE_NEWPID), "unshare pid")
    child = os.fork()
    if child == 0:
        pid1(spec, netns)
    os.close(netns)
    os.write(1, f"pid {child}\n".encode())  # the host's PID 1 as the machine numbers it
    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    null = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    while True:
        try:
            os.waitpid(child, 0)
            break
        except InterruptedError:
            continue
        except ChildProcessError:
            break
    os._exit(0)


def pid1(spec: Spec, netns: int) -> NoReturn:
    if spec.get("audit"):  # reached now, from the machine's files: the host's root comes later
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET | socket.SOCK_CLOEXEC)
        try:
            s.connect(spec["audit"]["socket_path"])
        except OSError as exc:
            fail("audit", exc.errno)
        spec["audit"]["socket"] = s
    setns(netns, CLONE_NEWNET, "net")
    userfd = None
    if spec.get("userns"):  # the host's user namespace: the owner of its network namespace
        userfd = libc.ioctl(netns, NS_GET_USERNS)
        if userfd < 0:
            fail("NS_GET_USERNS")
    os.close(netns)
    check(libc.unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS), "unshare")
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    join_cgroups(spec["cgroups"])
    check(libc.unshare(CLONE_NEWCGROUP), "unshare cgroup")
    if userfd is not None:
        base = spec["userns"]["base"]
        spec["tty_gid"] = base + 5
        stage_idmapped(spec, userfd)
        act_as(base, base)
    build_root(spec)
    check(libc.sethostname(spec["name"].encode(), len(spec["name"].encode())), "sethostname")
    os.chdir(spec["root"])
    if libc.syscall(SYS_PIVOT_ROOT, b".", b".") != 0:
        fail("pivot_root")
    check(libc.umount2(b".", MNT_DETACH), "umount old root")
    os.chdir("/")
    if userfd is not None:
        become_root_of(userfd)
    confine(spec)
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
    if os.access("/etc/simulateur/boot.sh", os.X_OK):
        pid = os.fork()
        if pid == 0:
            fd = os.open("/var/log/boot.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.execve("/etc/simulateur/boot.sh", ["/etc/simulateur/boot.sh"], env)
        _, status = os.waitpid(pid, 0)
        if status != 0:
            sys.stderr.write("boot.sh failed\n")
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    null = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    # `|| :` — a sleep killed from inside the host (kill -9 -1) must not end PID 1, and the host.
    os.execve("/bin/sh", ["sh", "-c", 'trap "" TERM INT HUP; while :; do sleep 3600 & wait $! || :; done'], env)


# --- a running host (used by `mount`) ------------------------------------------------------------


def start_time(pid: int) -> int:
    with open(f"/proc/{pid}/stat", "rb") as f:
        return int(f.read().rsplit(b")", 1)[1].split()[19])


def open_host(spec: Spec) -> dict[str, int]:
    """The host's namespaces, opened and checked to be its PID 1's (not a reused PID)."""
    pid = spec["pid"]
    kinds = ("pid", "cgroup", "ipc", "uts", "net", "mnt") + (("user",) if spec.get("userns") else ())
    fds = {kind: os.open(f"/proc/{pid}/ns/{kind}", os.O_RDONLY | os.O_CLOEXEC) for kind in kinds}
    fds["root"] = os.open(f"/proc/{pid}/root", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        if start_time(pid) != spec["start"]:
            raise OSError
    except OSError:
        sys.stderr.write("sandbox: host down\n")
        os._exit(112)
    return fds


# --- mount -------------------------------------------------------------------------------------------
def mount_in(spec: Spec) -> None:
    fds = open_host(spec)
    setns(fds["mnt"], CLONE_NEWNS, "mnt")  # the root becomes the host's: paths resolve inside it
    os.chdir("/")
    target = spec["path"]
    if os.path.islink(target) or not os.path.isdir(target):
        fail(f"mount {target}", 20)  # ENOTDIR
    mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, spec["options"])


if __name__ == "__main__":
    verb, arg = sys.argv[1], json.loads(sys.argv[2])
    {"boot": boot, "mount": mount_in, "userns": make_userns}[verb](arg)
