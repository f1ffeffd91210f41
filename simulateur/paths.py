"""Where things live. Everything can be moved by environment variables (tests use them)."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
HOSTFILES_DIR = PACKAGE_DIR / "lab" / "hostfiles"


def state_root() -> Path:
    """Running labs: /run/simulateur/<lab-id>/ (gone at reboot, like the labs)."""
    return Path(os.environ.get("SIMULATEUR_STATE", "/run/simulateur"))


def data_dir() -> Path:
    """Attempts, journals and results that outlive a lab."""
    env = os.environ.get("SIMULATEUR_DATA")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "simulateur"


def cache_dir() -> Path:
    """Things built once and reused by every lab (Samba AD domain templates), rebuilt if removed:
    $SIMULATEUR_CACHE, else ~/.cache/simulateur (XDG). Not under the data dir: tests give every
    test a data dir of its own, and a cache is shared by every attempt."""
    env = os.environ.get("SIMULATEUR_CACHE")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "simulateur"


def scenarios_dir() -> Path:
    """Shipped scenarios: ./scenarios of the source tree (installed editable). Tests may point
    SIMULATEUR_SHIPPED_SCENARIOS at a fixed catalogue of their own."""
    env = os.environ.get("SIMULATEUR_SHIPPED_SCENARIOS")
    if env:
        return Path(env)
    return PACKAGE_DIR.parent / "scenarios"


def cahiers_dir() -> Path:
    """Shipped cahiers des charges (phase préparatoire): ./cahiers of the source tree, beside
    ./scenarios. Tests may point SIMULATEUR_SHIPPED_CAHIERS at a folder of their own."""
    env = os.environ.get("SIMULATEUR_SHIPPED_CAHIERS")
    if env:
        return Path(env)
    return PACKAGE_DIR.parent / "cahiers"


def user_scenarios_dir() -> Path:
    """The trainer's own scenarios, loaded beside the shipped ones: `--scenarios DIR` or
    SIMULATEUR_SCENARIOS, else <data dir>/scenarios (~/.local/share/simulateur/scenarios)."""
    env = os.environ.get("SIMULATEUR_SCENARIOS")
    if env:
        return Path(env).expanduser()
    return data_dir() / "scenarios"


# Every kernel object of a lab lives in network namespaces named NS_PREFIX-<lab>[-<host>].
NS_PREFIX = "sim"
NETNS_DIR = Path("/run/netns")


def lab_id_prefix() -> str:
    """Prefix of new lab ids (lab1, lab2…); helpers and tests may choose their own."""
    return os.environ.get("SIMULATEUR_LAB_PREFIX", "lab")
