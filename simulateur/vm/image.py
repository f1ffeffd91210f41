"""The VM guest image, built by our own code from Debian packages only (`apt-get download`).

What is built (cache_dir()/vm/<key>/, key = hash of this recipe, of the guest files and of the
package versions the machine's APT would install):

- vmlinuz        Debian's cloud kernel (the one `linux-image-cloud-amd64` depends on);
- initrd.gz      stage 1: busybox + the virtio disk modules + /init (mount /dev/vda, switch_root);
- rootfs/        the guest's root tree (busybox-static, kmod, pciutils, pci.ids, the NIC and disk
                 modules of the same kernel, mdev + coldplug, udhcpc with its script, a control agent);
                 each VM host gets an ext4 disk made from a copy of it (`mke2fs -d`), so the guest's
                 changes persist across a guest reboot;
- virtio-net-module.deb  the NIC driver as a package (the « module absent » fault offers it).

Rebuilt when the key changes; the cpio and the .deb are reproducible (sorted, fixed times).
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.paths import cache_dir

RECIPE_VERSION = "1"
GUESTFILES = Path(__file__).resolve().parent / "guestfiles"
KERNEL_META = "linux-image-cloud-amd64"
# Packages of the guest root (the kernel package is resolved from KERNEL_META).
GUEST_PACKAGES = [
    "busybox-static",
    "kmod",
    "libkmod2",
    "libc6",
    "libzstd1",
    "liblzma5",
    "libssl3",
    "pciutils",
    "libpci3",
    "libudev1",
    "zlib1g",
    "pci.ids",
]
# Modules copied from the kernel package into the guest (with their dependencies).
GUEST_MODULES = ["virtio_net", "virtio_blk", "virtio_pci", "virtio_balloon", "virtio_console"]
STAGE1_MODULES = ["virtio_blk", "virtio_pci"]
NIC_MODULE = "virtio_net"
BINARIES = ["bin/kmod", "usr/bin/lspci", "usr/bin/setpci"]
EPOCH = 1700000000  # fixed mtime of everything we build (reproducible)


@dataclass(frozen=True)
class GuestImage:
    dir: Path
    kernel_version: str

    @property
    def kernel(self) -> Path:
        return self.dir / "vmlinuz"

    @property
    def initrd(self) -> Path:
        return self.dir / "initrd.gz"

    @property
    def rootfs(self) -> Path:
        return self.dir / "rootfs"

    @property
    def module_deb(self) -> Path:
        return self.dir / "virtio-net-module.deb"

    @property
    def nic_module_path(self) -> str:
        """Where the NIC driver lives in the guest."""
        return f"/lib/modules/{self.kernel_version}/kernel/drivers/net/{NIC_MODULE}.ko"


def _apt(*args: str) -> str:
    res = subprocess.run(["apt-cache", *args], capture_output=True, text=True)
    if res.returncode != 0:
        raise SimError(tr("vm.image_failed", why=(res.stderr.strip().splitlines() or ["apt-cache"])[-1]))
    return res.stdout


def kernel_package() -> str:
    for line in _apt("depends", KERNEL_META).splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "Depends:" and parts[1].startswith("linux-image-"):
            return parts[1]
    raise SimError(tr("vm.image_failed", why=f"{KERNEL_META} : aucune dépendance linux-image-*"))


def candidates(packages: list[str]) -> dict[str, str]:
    """The version APT would install of each package (one apt-cache call)."""
    out: dict[str, str] = {}
    current = None
    for line in _apt("policy", *packages).splitlines():
        if line and not line[0].isspace() and line.rstrip().endswith(":"):
            current = line.rstrip()[:-1]
        elif current and line.strip().startswith("Candidate:"):
            version = line.split(":", 1)[1].strip()
            if version and version != "(none)":
                out[current] = version
    missing = [p for p in packages if p not in out]
    if missing:
        raise SimError(tr("vm.image_failed", why="paquet(s) introuvable(s) dans APT : " + ", ".join(missing)))
    return out


def local_recipe() -> dict[str, object]:
    """What this source tree says about the image (no APT): our guest files, builder, module list."""
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(GUESTFILES.iterdir()) if p.is_file()}
    me = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    return {"version": RECIPE_VERSION, "files": files, "builder": me, "modules": GUEST_MODULES}


def recipe() -> dict[str, object]:
    """The whole recipe: the local part and the package versions APT would install today."""
    packages = [kernel_package(), *GUEST_PACKAGES]
    rec = local_recipe()
    return {**rec, "packages": candidates(packages), "local": _key(rec)}


def _key(rec: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(rec, sort_keys=True).encode()).hexdigest()[:16]


def root_dir() -> Path:
    return cache_dir() / "vm"


def ensure_image(*, ask_apt: bool = False) -> GuestImage:
    """The guest image: built once (under a lock), then reused.

    A lab build (ask_apt=False) takes the image built for this source tree's recipe without asking
    APT (2 s here); `make deps` (ask_apt=True) also rebuilds it when a package has a new version."""
    base = root_dir()
    base.mkdir(parents=True, exist_ok=True)
    with open(base / ".lock", "w") as lockf:
        fcntl.flock(lockf, fcntl.LOCK_EX)
        if not ask_apt:
            local = _key(local_recipe())
            for done in base.glob("*/recipe.json"):
                data = json.loads(done.read_text())
                if data.get("local") == local:
                    return GuestImage(done.parent, str(data["kernel_version"]))
        rec = recipe()
        key = _key(rec)
        target = base / key
        done = target / "recipe.json"
        if not done.exists():
            _build(rec, target)
            for old in base.iterdir():  # older recipes' images
                if old.is_dir() and old.name != key:
                    shutil.rmtree(old, ignore_errors=True)
    data = json.loads(done.read_text())
    return GuestImage(target, str(data["kernel_version"]))


# --- building ------------------------------------------------------------------------------
def _run(argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
    res = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env)
    if res.returncode != 0:
        why = (res.stderr or res.stdout).strip().splitlines()
        raise SimError(tr("vm.image_failed", why=f"{argv[0]} : {why[-1] if why else res.returncode}"))


def _build(rec: dict[str, object], target: Path) -> None:
    packages = rec["packages"]
    assert isinstance(packages, dict)
    with tempfile.TemporaryDirectory(prefix="sim-vm-") as tmp_s:
        tmp = Path(tmp_s)
        debs, x = tmp / "debs", tmp / "x"
        debs.mkdir()
        x.mkdir()
        os.chmod(tmp, 0o755)
        _run(
            ["apt-get", "download", "-q", "-o", "APT::Sandbox::User=root", *[f"{p}={v}" for p, v in packages.items()]],
            cwd=debs,
        )
        for deb in sorted(debs.glob("*.deb")):
            _run(["dpkg-deb", "-x", str(deb), str(x)])
        kver = next(p.name for p in (x / "lib" / "modules").iterdir())
        staging = tmp / "out"
        staging.mkdir()
        root = staging / "rootfs"
        _make_rootfs(x, root, kver)
        initrd = _make_initrd(x, root, kver)
        (staging / "initrd.gz").write_bytes(initrd)
        shutil.copyfile(x / "boot" / f"vmlinuz-{kver}", staging / "vmlinuz")
        _make_module_deb(root, kver, staging / "virtio-net-module.deb", tmp)
        (staging / "recipe.json").write_text(json.dumps({**rec, "kernel_version": kver}, indent=2, sort_keys=True))
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(staging), str(target))


def _ldso(x: Path) -> list[str]:
    libpath = f"{x}/lib/x86_64-linux-gnu:{x}/usr/lib/x86_64-linux-gnu"
    return [str(x / "lib64" / "ld-linux-x86-64.so.2"), "--library-path", libpath]


def _needed_libs(x: Path, binaries: list[Path]) -> set[Path]:
    """Shared libraries the binaries need, resolved in the extracted packages only."""
    out: set[Path] = set()
    for b in binaries:
        res = subprocess.run([*_ldso(x), "--list", str(b)], capture_output=True, text=True)
        for line in res.stdout.splitlines():
            parts = line.split("=>")
            if len(parts) != 2:
                continue
            path = parts[1].split("(")[0].strip()
            if not path.startswith(str(x)):
                raise SimError(
                    tr("vm.image_failed", why=f"{b.name} : bibliothèque {parts[0].strip()} hors des paquets")
                )
            out.add(Path(path))
    return out


def _copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst, follow_symlinks=True)


def _module_closure(x: Path, kver: str, names: list[str]) -> list[str]:
    """Relative module paths (dependencies first) from the kernel package's modules.dep."""
    moddir = x / "lib" / "modules" / kver
    _run([*_ldso(x), "--argv0", "depmod", str(x / "bin" / "kmod"), "-b", str(x), kver])
    deps: dict[str, list[str]] = {}
    for line in (moddir / "modules.dep").read_text().splitlines():
        mod, _, rest = line.partition(":")
        deps[mod] = rest.split()
    by_name = {Path(m).name.removesuffix(".ko"): m for m in deps}
    order: list[str] = []

    def visit(mod: str) -> None:
        if mod in order:
            return
        for d in deps.get(mod, []):
            visit(d)
        order.append(mod)

    for n in names:
        visit(by_name[n])
    return order


def _make_rootfs(x: Path, root: Path, kver: str) -> None:
    for d in (
        "bin",
        "sbin",
        "usr/bin",
        "usr/sbin",
        "etc/init.d",
        "etc/modprobe.d",
        "etc/udhcpc",
        "etc/network/if-up.d",
        "etc/network/if-pre-up.d",
        "etc/network/if-down.d",
        "etc/network/if-post-down.d",
        "usr/share/udhcpc",
        "proc",
        "sys",
        "dev",
        "run",
        "tmp",
        "root",
        "var/lib/dpkg/info",
        "var/lib/dpkg/updates",
        "lib64",
        "mnt",
    ):
        (root / d).mkdir(parents=True, exist_ok=True)
    (root / "var" / "run").symlink_to("/run")
    (root / "var" / "lib" / "dpkg" / "status").write_text("")
    _copy(x / "bin" / "busybox", root / "bin" / "busybox")
    applets = subprocess.run([str(x / "bin" / "busybox"), "--list-full"], capture_output=True, text=True).stdout
    kmod_tools = {"modprobe", "lsmod", "depmod", "insmod", "rmmod", "modinfo"}
    for full in applets.split():
        name = Path(full).name
        if name == "busybox" or name in kmod_tools:
            continue
        link = root / full
        if not link.exists() and not link.is_symlink():
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to("/bin/busybox")
    for rel in BINARIES:
        _copy(x / rel, root / rel)
    (root / "bin" / "lsmod").symlink_to("kmod")
    for tool in sorted(kmod_tools - {"lsmod"}):
        (root / "sbin" / tool).symlink_to("/bin/kmod")
    (root / "sbin" / "lsmod").symlink_to("/bin/kmod")
    for lib in _needed_libs(x, [x / rel for rel in BINARIES]):
        _copy(lib, root / lib.relative_to(x))
    _copy(x / "lib64" / "ld-linux-x86-64.so.2", root / "lib64" / "ld-linux-x86-64.so.2")
    ids = x / "usr" / "share" / "misc" / "pci.ids"
    _copy(ids, root / "usr" / "share" / "misc" / "pci.ids")
    for mod in _module_closure(x, kver, GUEST_MODULES):
        _copy(x / "lib" / "modules" / kver / mod, root / "lib" / "modules" / kver / mod)
    for f in ("modules.order", "modules.builtin", "modules.builtin.modinfo"):
        if (x / "lib" / "modules" / kver / f).exists():
            _copy(x / "lib" / "modules" / kver / f, root / "lib" / "modules" / kver / f)
    _run([*_ldso(x), "--argv0", "depmod", str(x / "bin" / "kmod"), "-b", str(root), kver])
    g = GUESTFILES
    files = {
        "etc/inittab": ("inittab", 0o644),
        "etc/init.d/rcS": ("rcS", 0o755),
        "usr/sbin/sim-agent": ("sim-agent", 0o755),
        "etc/sim-kmod.sh": ("sim-kmod.sh", 0o644),
        "etc/profile": ("profile", 0o644),
        "etc/udhcpc/default.script": ("default.script", 0o755),
        "usr/share/udhcpc/default.script": ("default.script", 0o755),
        "etc/mdev.conf": ("mdev.conf", 0o644),
        "etc/network/interfaces": ("interfaces", 0o644),
    }
    for dst, (src, mode) in files.items():
        (root / dst).write_bytes((g / src).read_bytes())
        os.chmod(root / dst, mode)
    (root / "etc" / "hostname").write_text("pc\n")
    (root / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (root / "etc" / "group").write_text("root:x:0:\n")
    (root / "etc" / "hosts").write_text("127.0.0.1\tlocalhost\n")
    (root / "etc" / "resolv.conf").write_text("")
    (root / "etc" / "fstab").write_text("/dev/vda / ext4 rw 0 1\n")


def _make_initrd(x: Path, root: Path, kver: str) -> bytes:
    entries: list[tuple[str, int, bytes]] = []  # (path, mode, data or link target)
    for d in ("dev", "proc", "sys", "newroot", "bin", "lib", "lib/modules"):
        entries.append((d, stat.S_IFDIR | 0o755, b""))
    entries.append(("bin/busybox", stat.S_IFREG | 0o755, (x / "bin" / "busybox").read_bytes()))
    entries.append(("bin/sh", stat.S_IFLNK | 0o777, b"busybox"))
    entries.append(("init", stat.S_IFREG | 0o755, (GUESTFILES / "init1").read_bytes()))
    mods = _module_closure(x, kver, STAGE1_MODULES)
    dirs = set()
    for mod in mods:
        p = Path("lib/modules") / kver / mod
        for parent in reversed(p.parents[:-2]):
            if str(parent) not in dirs:
                dirs.add(str(parent))
                entries.append((str(parent), stat.S_IFDIR | 0o755, b""))
        entries.append((str(p), stat.S_IFREG | 0o644, (x / "lib" / "modules" / kver / mod).read_bytes()))
    order = "".join(f"lib/modules/{kver}/{m}\n" for m in mods)
    entries.append(("modules.order", stat.S_IFREG | 0o644, order.encode()))
    raw = _cpio(entries)
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, compresslevel=6) as gz:
        gz.write(raw)
    return buf.getvalue()


def _cpio(entries: list[tuple[str, int, bytes]]) -> bytes:
    """A newc archive (what the kernel unpacks as an initramfs), in the order given."""
    out = bytearray()

    def one(ino: int, name: str, mode: int, data: bytes) -> None:
        nm = name.encode() + b"\0"
        hdr = "070701" + "".join(f"{v:08x}" for v in (ino, mode, 0, 0, 1, EPOCH, len(data), 0, 0, 0, 0, len(nm), 0))
        out.extend(hdr.encode() + nm)
        out.extend(b"\0" * ((4 - len(out) % 4) % 4))
        out.extend(data)
        out.extend(b"\0" * ((4 - len(out) % 4) % 4))

    for i, (name, mode, data) in enumerate(entries, start=1):
        one(i, name, mode, data)
    one(0, "TRAILER!!!", 0, b"")
    return bytes(out)


def _make_module_deb(root: Path, kver: str, out: Path, tmp: Path) -> None:
    """The NIC driver as a small package of its own (what the « module absent » fault offers)."""
    pkg = tmp / "pkg"
    rel = f"lib/modules/{kver}/kernel/drivers/net/{NIC_MODULE}.ko"
    (pkg / "DEBIAN").mkdir(parents=True)
    _copy(root / rel, pkg / rel)
    (pkg / "DEBIAN" / "control").write_text(
        "Package: virtio-net-module\nVersion: 1.0\nArchitecture: amd64\nMaintainer: simulateur <atelier@exemple.fr>\n"
        f"Description: pilote de la carte réseau virtio ({NIC_MODULE}) pour Linux {kver}\n"
    )
    for p in sorted(pkg.rglob("*")):
        os.utime(p, (EPOCH, EPOCH), follow_symlinks=False)
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH)}
    _run(["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(pkg), str(out)], env=env)
