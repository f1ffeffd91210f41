"""Samba AD domain templates: one provisioned (and once started) domain per domain name, cached,
copied into each lab's `dc` host so a lab with a domain controller is ready in about a second.

`samba-tool domain provision` takes ~4 s and a DC's first start ~3 s (key generation, schema):
too slow per lab. A template is built the first time a domain name is needed, on the machine,
inside a private network + mount + PID namespace where the template directory is mounted on
/var/lib/samba (nothing of the machine's is written: its /var/lib/samba, /etc/samba and
/etc/krb5.conf are never touched), then cached under cache_dir()/samba-ad/<recipe hash>/<domain>/
(~35 MB each). The hash covers Samba's version and everything here, so a changed recipe builds new
templates (and the older ones are removed).

A template holds the domain's fixed content (DOMAIN below: password policy, OUs, groups, staff);
what a scenario needs on top (its users, their state) is made per lab by actions.

NT ACLs (sysvol's files and folders, and those of any share of the DC) are kept in the `user.NTACL`
extended attribute (NTACL_XATTR), in the template as in every lab, not in Samba's default
`security.NTACL`: a host's processes run without CAP_SYS_ADMIN (issue 14, simulateur.lab.profile),
and writing a `security.*` attribute needs it — smbd then logs "store_acl_blob_fsp: setting attr
failed … Operation not permitted" and answers NT_STATUS_ACCESS_DENIED to every change of an NT ACL:
`samba-tool gpo create` from an admin workstation, smbcacls or Windows' security tab on a share,
`samba-tool ntacl set` and `sysvolreset` on the DC. `user.*` attributes need no privilege and travel
with the files when the template is copied (`cp -a` keeps them); `acl_tdb`/`xattr_tdb` would not do:
they key the ACLs by device and inode numbers, which every copy changes. Upstream's documented cost:
a process that may write a file may also rewrite its `user.NTACL` locally (smbd hides it from SMB
clients) — on a DC only root works locally. One tool does not follow the setting: `samba-tool ntacl
sysvolcheck`, whose "direct" pass reads `security.NTACL` itself (ntacls.getntacl, Samba 4.17), so it
reports "No data available" (samba-tool ntacl get/set, sysvolreset and gpo go through smbd's VFS and
do follow it).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.paths import HOSTFILES_DIR, cache_dir

HOST_NAME = "dc"
TEMPLATE_ADMIN_PASSWORD = "Modele-Adm1n-2024"  # replaced in every lab (samba_ad service)
SERVICES = "s3fs, rpc, ldap, cldap, kdc, drepl, winbindd, kcc"  # no internal DNS: srv's dnsmasq is the site DNS
NTACL_XATTR = "user.NTACL"  # where NT ACLs are stored (see the module's docstring)

# Departments (OUs), their groups, and the staff already in the directory.
OUS = [
    {"name": "Comptabilite", "description": "Service comptabilité"},
    {"name": "Commercial", "description": "Service commercial"},
    {"name": "Direction", "description": "Direction et assistanat"},
    {"name": "RH", "description": "Ressources humaines"},
]
GROUPS = [
    {"name": "GG_Comptabilite", "ou": "Comptabilite", "description": "Personnel de la comptabilité"},
    {"name": "GG_Commercial", "ou": "Commercial", "description": "Personnel du service commercial"},
    {"name": "GG_Direction", "ou": "Direction", "description": "Direction et assistanat"},
    {"name": "GG_RH", "ou": "RH", "description": "Personnel des ressources humaines"},
    {"name": "Acces_VPN", "ou": "Direction", "description": "Accès au VPN (télétravail)"},
    {"name": "Paie", "ou": "RH", "description": "Accès au logiciel de paie"},
    {"name": "Imprimante_Couleur", "ou": "Direction", "description": "Impression couleur autorisée"},
    {"name": "Archives_Lecture", "ou": "Direction", "description": "Lecture des archives"},
]
STAFF = [  # (first, last, OU, extra groups)
    ("Nadia", "Berger", "Comptabilite", ["Paie"]),
    ("Lucas", "Fabre", "Comptabilite", []),
    ("Céline", "Renaud", "Commercial", ["Acces_VPN"]),
    ("Antoine", "Marchand", "Commercial", ["Acces_VPN"]),
    ("Gilles", "Aubert", "Direction", ["Acces_VPN", "Imprimante_Couleur", "Archives_Lecture"]),
    ("Émilie", "Carpentier", "Direction", ["Imprimante_Couleur"]),
    ("Hélène", "Vasseur", "RH", ["Paie"]),
    ("Bruno", "Leroy", "RH", []),
]
# Lockout duration 0: an account stays locked until someone unlocks it (a lab left locked for half an
# hour does not repair itself); wrong passwords are counted over 30 minutes.
POLICY = {
    "max_age_days": 90,
    "min_length": 8,
    "history": 0,
    "lockout_threshold": 5,
    "lockout_minutes": 0,
    "lockout_window_minutes": 30,
}


def login_of(first: str, last: str) -> str:
    """Prenom.Nom without accents (the site's naming rule; AD logins ignore case)."""
    plain = (first + "." + last).translate(str.maketrans("éèêëàâçîïôöûüùÉÈ", "eeeeaaciioouuuEE"))
    return "".join(c for c in plain if c.isalnum() or c in ".-")


def bake_spec() -> dict[str, object]:
    users = [
        {
            "login": login_of(f, l),
            "first": f,
            "last": l,
            "ou": ou,
            "groups": [f"GG_{ou}", *extra],
            "password": f"Pers-{i:02d}-{hashlib.sha256((f + l).encode()).hexdigest()[:6]}",
        }
        for i, (f, l, ou, extra) in enumerate(STAFF)
    ]
    return {"policy": POLICY, "ous": OUS, "groups": GROUPS, "users": users}


def realm_of(domain: str) -> str:
    return domain.upper()


def workgroup_of(domain: str) -> str:
    return domain.split(".")[0].upper()[:15]


def smb_conf(domain: str, *, build: bool = False) -> str:
    """The DC's /etc/samba/smb.conf (the same paths in the template build and in the lab's host)."""
    lines = [
        "# /etc/samba/smb.conf — contrôleur de domaine Active Directory (Samba) du site",
        "# Après une modification : systemctl restart samba-ad-dc",
        "[global]",
        f"\tnetbios name = {HOST_NAME.upper()}",
        f"\trealm = {realm_of(domain)}",
        f"\tworkgroup = {workgroup_of(domain)}",
        "\tserver role = active directory domain controller",
        f"\tserver services = {SERVICES}",
        "\tdns update command = /bin/true",
        "\tidmap_ldb:use rfc2307 = yes",
        "\t# LDAP simple (ldapsearch -x) accepté sur le réseau du site",
        "\tldap server require strong auth = no",
        "\told password allowed period = 0",
        "\t# Listes de contrôle d'accès NT (sysvol, partages) dans l'attribut étendu user.NTACL :",
        "\t# l'attribut par défaut, security.NTACL, exige un privilège (CAP_SYS_ADMIN)",
        "\t# que les processus de ce serveur n'ont pas",
        f"\tacl_xattr:security_acl_name = {NTACL_XATTR}",
        "\t# Un petit site : un processus par service (au lieu de 4), démarrage plus rapide, moins de mémoire",
        "\tprefork children = 1",
        "\tprivate dir = /var/lib/samba/private",
        "\tstate directory = /var/lib/samba/state",
        "\tcache directory = /var/lib/samba/cache",
        "\tlock directory = /var/lib/samba",
        "\tbinddns dir = /var/lib/samba/bind-dns",
        "\tpid directory = /run/samba",
        "\tlogging = file",
        "\tlog file = /var/log/samba/log.%m",
        "\tmax log size = 1000",
    ]
    if build:
        lines += ["\tinterfaces = lo", "\tbind interfaces only = yes"]
    lines += [
        "",
        "[sysvol]",
        "\tpath = /var/lib/samba/state/sysvol",
        "\tread only = No",
        "",
        "[netlogon]",
        f"\tpath = /var/lib/samba/state/sysvol/{domain}/scripts",
        "\tread only = No",
        "",
    ]
    return "\n".join(lines)


def _samba_version() -> str:
    try:
        return subprocess.run(["samba", "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def recipe_hash() -> str:
    h = hashlib.sha256()
    for part in (_samba_version(), Path(__file__).read_text(), (HOSTFILES_DIR / "adctl.py").read_text()):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


# What runs inside the build namespace (bash -c): the template dir is on /var/lib/samba, /run and
# /var/log/samba are private tmpfs; provision, bake, start the DC once (keys, schema caches), stop it.
BUILD_SCRIPT = r"""
set -eu
T=$1 CONF=$2 REALM=$3 WG=$4 ADMINPW=$5 ADCTL=$6 SPEC=$7 NTACL=$8
ip link set lo up
mount -t tmpfs tmpfs /run
mkdir -p /run/samba
mount --bind "$T" /var/lib/samba
mount -t tmpfs tmpfs /var/log
mkdir -p /var/log/samba
: > /run/empty.conf
samba-tool domain provision -s /run/empty.conf --targetdir=/var/lib/samba --realm="$REALM" --domain="$WG" \
    --server-role=dc --dns-backend=NONE --use-rfc2307 --host-name=dc --host-ip=127.0.0.1 \
    --adminpass="$ADMINPW" --option="interfaces = lo" --option="acl_xattr:security_acl_name = $NTACL" \
    >/run/provision.log 2>&1 \
    || { tail -3 /run/provision.log >&2; exit 1; }
rm -rf /var/lib/samba/etc
cp "$CONF" /run/smb.conf
/usr/bin/python3 -I "$ADCTL" bake /run/smb.conf < "$SPEC" >/dev/null
samba --foreground --no-process-group -s /run/smb.conf >/dev/null 2>&1 &
PID=$!
i=0
until (exec 3<>/dev/tcp/127.0.0.1/389) 2>/dev/null && [ -e /var/lib/samba/private/tls/key.pem ]; do
    i=$((i+1)); [ $i -lt 2400 ] || { echo "samba did not start in 120 s" >&2; exit 1; }
    sleep 0.05
done
sleep 1
kill -TERM $PID
wait $PID || true
rm -rf /var/lib/samba/cache/* /var/lib/samba/*.pid
"""


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def template(domain: str) -> Path:
    """The template directory (content of the DC's /var/lib/samba) for `domain`, built if missing."""
    root = cache_dir() / "samba-ad" / recipe_hash()
    final = root / domain
    if (final / ".ready").exists():
        return final
    with _locked(root / f"{domain}.lock"):
        if (final / ".ready").exists():
            return final
        root.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{domain}-", dir=root))
        try:
            _build(domain, work)
            (work / ".ready").write_text("ok\n")
            shutil.rmtree(final, ignore_errors=True)
            os.rename(work, final)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        for old in root.parent.iterdir():  # templates of older recipes (not being copied right now)
            if old.is_dir() and old != root and time.time() - old.stat().st_mtime > 600:
                shutil.rmtree(old, ignore_errors=True)
    return final


def _build(domain: str, work: Path) -> None:
    target = work / "lib"
    target.mkdir()
    conf = work / "smb.conf"
    conf.write_text(smb_conf(domain, build=True))
    spec = work / "bake.json"
    spec.write_text(json.dumps(bake_spec()))
    argv = [
        "unshare",
        "--net",
        "--mount",
        "--pid",
        "--fork",
        "--propagation",
        "private",
        "bash",
        "-c",
        BUILD_SCRIPT,
        "build",
        str(target),
        str(conf),
        realm_of(domain),
        workgroup_of(domain),
        TEMPLATE_ADMIN_PASSWORD,
        str(HOSTFILES_DIR / "adctl.py"),
        str(spec),
        NTACL_XATTR,
    ]
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "HOME": str(work)}
    try:
        res = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise SimError(tr("samba.template_failed", domain=domain, why="délai dépassé (300 s)")) from None
    if res.returncode != 0:
        why = (res.stderr or res.stdout).strip().splitlines()
        raise SimError(tr("samba.template_failed", domain=domain, why=why[-1] if why else res.returncode))
    for name in ("smb.conf", "bake.json"):
        (work / name).unlink()
    _check_ntacls(domain, target / "state" / "sysvol")
    # The template is the content of /var/lib/samba: move it up one level.
    for entry in target.iterdir():
        os.rename(entry, work / entry.name)
    target.rmdir()
    # The DC's /var/lib/samba (cp -a gives it this directory's mode): Samba's lock directory, which
    # it wants 0755 — mkdtemp made it 0700, and testparm warned every trainee who ran it.
    work.chmod(0o755)


def _check_ntacls(domain: str, sysvol: Path) -> None:
    """Every file and folder of the provisioned sysvol has its NT ACL in NTACL_XATTR and none in
    security.NTACL: a template whose ACLs went elsewhere (a Samba that ignores the option, a cache
    on a file system without user xattrs: provision then falls back to a tdb keyed by inode
    numbers) would give labs whose DC cannot change an ACL — better no template."""
    for path in [sysvol, *sysvol.rglob("*")]:
        names = os.listxattr(path, follow_symlinks=False)
        if NTACL_XATTR not in names or "security.NTACL" in names:
            raise SimError(
                tr(
                    "samba.template_failed",
                    domain=domain,
                    why=tr(
                        "samba.template_ntacl",
                        path=path.relative_to(sysvol.parent.parent),
                        xattr=NTACL_XATTR,
                        names=", ".join(names) or "—",
                    ),
                )
            )


def copy_into(domain: str, dest: Path) -> None:
    """Copy the domain's template to `dest` (the DC host's /var/lib/samba in its overlay upper dir):
    every lab gets its own database."""
    src = template(domain)
    dest.mkdir(parents=True, exist_ok=True)
    res = subprocess.run(
        ["cp", "-a", "--reflink=auto", f"{src}/.", str(dest)], capture_output=True, text=True, timeout=60
    )
    if res.returncode != 0:
        raise SimError(tr("samba.template_failed", domain=domain, why=res.stderr.strip()))
    (dest / ".ready").unlink(missing_ok=True)
