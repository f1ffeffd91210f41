"""The confinement profile of a lab host, as data: what root in a host keeps, what it is denied.

Checklist: the default profile of Docker/runc (moby's profiles/seccomp/default.json, its default
capability set, masked and read-only paths). Point by point comparison: docs/securite.md. Every
value here is applied by the sandbox agent (simulateur/lab/sandbox_agent.py) to a host's PID 1
and to every process the engine starts in a host, and proven by tests/security/.

Why capabilities and seccomp rather than a user namespace (measured on this machine kind, Linux
6.18): an overlay of the machine's directories cannot be mounted from inside a user namespace
without idmapped lower layers, and a network namespace made by the machine's root cannot be
configured by root of a child user namespace (`ip addr add` → EPERM): the whole engine (named
netns, wiring from the switch namespace, probes entering the host's netns) would have to be rebuilt
around namespaces owned by each host's user namespace (Samba AD's NT ACLs are no obstacle: they are
in `user.NTACL`, which needs no privilege — adtemplate). Docker's default — no user namespace, a
bounded capability set, seccomp, private /dev, masked /proc — is the bar the issue sets, and the
default.

A user namespace per host is an option (SIMULATEUR_USERNS=1, simulateur/lab/userns.py): the
network namespace is then created owned by the host's user namespace, the layers are idmapped
clones, and everything above still applies inside it. Measured in docs/securite.md (« Option :
root d'un hôte sans privilège sur la machine »).
"""

from __future__ import annotations

# --- capabilities ------------------------------------------------------------------------------
# Docker's default set, less MKNOD (no device nodes in a host), plus NET_ADMIN: a host's network
# namespace is its own, and a technician configures it (ip, ifupdown, dhclient, nft, sysctl net.*).
KEPT_CAPS: tuple[str, ...] = (
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "SETFCAP",
    "NET_BIND_SERVICE",
    "NET_RAW",
    "NET_ADMIN",
    "SYS_CHROOT",
    "AUDIT_WRITE",
)

# linux/capability.h, in order (their number is their index).
CAP_NAMES: tuple[str, ...] = (
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
)


def kept_cap_numbers() -> list[int]:
    return sorted(CAP_NAMES.index(name) for name in KEPT_CAPS)


# --- seccomp -----------------------------------------------------------------------------------
# The filter allows by default and refuses these with EPERM: every system call that Docker's
# default profile refuses to a container without CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_SYS_NICE… —
# plus ptrace itself and io_uring (newer Docker releases refuse it too). Names unknown to this
# libseccomp or architecture are skipped.
DENIED_SYSCALLS: tuple[str, ...] = (
    # file systems and namespaces
    "mount",
    "umount",
    "umount2",
    "mount_setattr",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "pivot_root",
    "unshare",
    "setns",
    "sysfs",
    "ustat",
    "quotactl",
    "quotactl_fd",
    "name_to_handle_at",
    "open_by_handle_at",
    "nfsservctl",
    "uselib",
    # the kernel itself
    "create_module",
    "init_module",
    "finit_module",
    "delete_module",
    "query_module",
    "get_kernel_syms",
    "kexec_load",
    "kexec_file_load",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "syslog",
    "_sysctl",
    "lookup_dcookie",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "iopl",
    "ioperm",
    "vm86",
    "vm86old",
    # keys
    "add_key",
    "request_key",
    "keyctl",
    # time
    "clock_settime",
    "clock_adjtime",
    "settimeofday",
    "stime",
    "adjtimex",
    # other processes' memory
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "process_madvise",
    "kcmp",
    "pidfd_getfd",
    # NUMA policy (CAP_SYS_NICE in Docker's profile)
    "mbind",
    "set_mempolicy",
    "get_mempolicy",
    "move_pages",
    "set_mempolicy_home_node",
    # io_uring bypasses seccomp for the operations it queues
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
)
# Every program started in a host waits, at these calls, until the lab's exec auditor
# (simulateur.lab.audit, a process of the machine) has recorded it: the journal's source of truth.
AUDITED_SYSCALLS: tuple[str, ...] = ("execve", "execveat")
# clone(2) with any of these flags is refused (a new namespace); clone3 answers ENOSYS so that the
# C library falls back to clone, whose flags a filter can read (as Docker's profile does).
CLONE_NS_FLAGS = {
    "CLONE_NEWNS": 0x00020000,
    "CLONE_NEWCGROUP": 0x02000000,
    "CLONE_NEWUTS": 0x04000000,
    "CLONE_NEWIPC": 0x08000000,
    "CLONE_NEWUSER": 0x10000000,
    "CLONE_NEWPID": 0x20000000,
    "CLONE_NEWNET": 0x40000000,
}
# ioctl(2) requests refused: typing into a terminal (TIOCSTI), the console's own requests.
DENIED_IOCTLS = {"TIOCSTI": 0x5412, "TIOCLINUX": 0x541C}

# --- file systems ------------------------------------------------------------------------------
# The host's root is a tmpfs-backed directory of the lab; from the machine it gets only these
# directories, each as the lower layer of an overlay (the host's writes go to its own layer).
LOWER_DIRS: tuple[str, ...] = ("usr", "etc", "var")
# The machine's top-level links into /usr (Debian is usr-merged) are made again in every host.
USR_MERGED_LINKS: tuple[str, ...] = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
# Empty directories every host has at its top level (its own, on the lab's tmpfs).
TOP_DIRS: tuple[str, ...] = ("root", "home", "srv", "opt", "mnt", "media", "boot", "tmp", "run", "dev", "proc", "sys")

# /var: Debian's package system is kept; under these directories every other entry is there but
# empty (a package's directory exists, the machine's data does not).
VAR_KEEP: dict[str, tuple[str, ...]] = {
    "var/lib": (
        "dpkg",
        "apt",
        "ucf",
        "pam",
        "python",
        "sgml-base",
        "xml-core",
        "shells.state",
        "dictionaries-common",
        "emacsen-common",
        "ca-certificates",
        "ca-certificates-java",
        "man-db",
        "vim",
        "xfonts",
        "ghostscript",
        "polkit-1",
    ),
    "var/cache": ("apt", "debconf", "fontconfig", "man"),
    "var/spool": (),
    "var/log": (),
    "var/backups": (),
    "var/mail": (),
    "var/tmp": (),
    "var/www": (),
    "var/opt": (),
    "var/local": (),
}
# Files of the kept directories that hold the machine's secrets or its downloads.
VAR_HIDE: tuple[str, ...] = ("var/cache/debconf/passwords.dat", "var/cache/apt/archives")

# Docker's masked paths (bound to an empty file or covered by an empty read-only tmpfs) and
# read-only paths. /proc/sys is read-only except /proc/sys/net: the host's network namespace is
# its own (sysctl -w net.ipv4.ip_forward=1 is a technician's gesture).
MASKED_PATHS: tuple[str, ...] = (
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/proc/sysrq-trigger",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
    "/sys/kernel/debug",
    "/sys/kernel/security",
)
READONLY_PATHS: tuple[str, ...] = ("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys")
WRITABLE_UNDER_READONLY: tuple[str, ...] = ("/proc/sys/net",)

# Device nodes of a host's private /dev: (name, major, minor), mode 0666 as in a container.
DEVICES: tuple[tuple[str, int, int], ...] = (
    ("null", 1, 3),
    ("zero", 1, 5),
    ("full", 1, 7),
    ("random", 1, 8),
    ("urandom", 1, 9),
    ("tty", 5, 0),
)
DEV_LINKS: dict[str, str] = {
    "ptmx": "pts/ptmx",
    "fd": "/proc/self/fd",
    "stdin": "/proc/self/fd/0",
    "stdout": "/proc/self/fd/1",
    "stderr": "/proc/self/fd/2",
}

# tmpfs of every host (bounded: a full /tmp fills only the host's own share).
TMPFS_SIZES: dict[str, str] = {"/tmp": "128m", "/run": "32m", "/dev/shm": "64m", "/dev": "1m"}

# Per lab (cgroup): every process of every host of the lab counts.
LAB_MEMORY_BYTES = 1536 * 1024 * 1024
LAB_PIDS = 2048
