"""Building the lab repository: each recipe becomes a real .deb (dpkg-deb), cached under the data
dir by the hash of its recipe (rebuilt when a recipe changes), and the flat repository's index
(Packages, Release) is written by this module — no dpkg-dev needed.

The repository is a plain directory: `deb [trusted=yes] http://SERVER/depot/ ./` reads it.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from functools import lru_cache
from pathlib import Path

from simulateur.depot.recipes import Recipe, catalogue
from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.paths import data_dir


def cache_dir() -> Path:
    return data_dir() / "depot"


def recipe_hash(r: Recipe) -> str:
    h = hashlib.sha256()
    h.update(r.control().encode())
    for f in sorted(r.files, key=lambda f: f.path):
        h.update(f"{f.path}\0{f.mode:o}\0".encode() + hashlib.sha256(f.content).digest())
    for name, text in sorted(r.scripts.items()):
        h.update(f"{name}\0{text}\0".encode())
    h.update("\0".join(r.conffiles + r.dirs).encode())
    return h.hexdigest()[:16]


def md5sums(r: Recipe) -> dict[str, str]:
    """path (absolute) → md5 of every file the package installs, as dpkg records them."""
    return {f.path: hashlib.md5(f.content).hexdigest() for f in r.files}


def _stage(r: Recipe, root: Path) -> None:
    for f in r.files:
        target = root / f.path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(f.content)
        os.chmod(target, f.mode)
    for d in r.dirs:
        (root / d.lstrip("/")).mkdir(parents=True, exist_ok=True)
    debian = root / "DEBIAN"
    debian.mkdir()
    (debian / "control").write_text(r.control())
    if r.conffiles:
        (debian / "conffiles").write_text("".join(c + "\n" for c in r.conffiles))
    (debian / "md5sums").write_text(
        "".join(f"{md5}  {path.lstrip('/')}\n" for path, md5 in sorted(md5sums(r).items()) if path not in r.conffiles)
    )
    for name, text in r.scripts.items():
        (debian / name).write_text(text)
        os.chmod(debian / name, 0o755)
    for folder in [root, *[p for p in root.rglob("*") if p.is_dir()]]:
        os.chmod(folder, 0o755)


def build_deb(r: Recipe) -> Path:
    """The package's .deb, built once per recipe content."""
    out = cache_dir() / recipe_hash(r) / r.filename
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".build-") as tmp:
        root = Path(tmp) / "root"
        _stage(r, root)
        deb = Path(tmp) / r.filename
        res = subprocess.run(
            ["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(root), str(deb)],
            capture_output=True,
            text=True,
            env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"},
        )
        if res.returncode != 0:
            raise SimError(tr("depot.build_failed", package=r.filename, why=(res.stderr or res.stdout).strip()[-200:]))
        os.replace(deb, out)  # atomic: two labs building at once both end with a whole file
    return out


def _packages_entry(r: Recipe, deb: bytes) -> str:
    control = r.control()
    head, _, desc = control.partition("Description:")
    installed = sum(len(f.content) for f in r.files) // 1024 + 1
    return (
        head + f"Installed-Size: {installed}\nFilename: ./{r.filename}\nSize: {len(deb)}\n"
        f"MD5sum: {hashlib.md5(deb).hexdigest()}\nSHA256: {hashlib.sha256(deb).hexdigest()}\n"
        f"Description:{desc}"
    )


@lru_cache(maxsize=4)
def _repository(key: str) -> dict[str, bytes]:
    recipes = catalogue()
    files: dict[str, bytes] = {}
    entries = []
    for r in recipes:
        data = build_deb(r).read_bytes()
        files[r.filename] = data
        entries.append(_packages_entry(r, data))
    packages = "\n".join(entries).encode()
    files["Packages"] = packages
    files["Packages.gz"] = gzip.compress(packages, mtime=0)
    sums = {name: files[name] for name in ("Packages", "Packages.gz")}
    release = [
        "Origin: simulateur",
        "Label: Dépôt de logiciels du site",
        "Suite: stable",
        "Codename: depot",
        f"Date: {email.utils.formatdate(time.time() - 86400, usegmt=True)}",
        "Architectures: all amd64",
        "Description: logiciels validés par le service informatique",
        "MD5Sum:",
    ]
    release += [f" {hashlib.md5(d).hexdigest()} {len(d)} {n}" for n, d in sums.items()]
    release.append("SHA256:")
    release += [f" {hashlib.sha256(d).hexdigest()} {len(d)} {n}" for n, d in sums.items()]
    files["Release"] = ("\n".join(release) + "\n").encode()
    return files


def repository() -> dict[str, bytes]:
    """Every file of the flat repository (relative name → content): the .debs and the index."""
    key = "/".join(recipe_hash(r) for r in catalogue()) + "@" + str(cache_dir())
    return dict(_repository(key))


def clear_cache() -> None:
    shutil.rmtree(cache_dir(), ignore_errors=True)
    _repository.cache_clear()
