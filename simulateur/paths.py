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


def scenarios_dir() -> Path:
    """Shipped scenarios: ./scenarios of the source tree (installed editable)."""
    env = os.environ.get("SIMULATEUR_SCENARIOS")
    if env:
        return Path(env)
    return PACKAGE_DIR.parent / "scenarios"


# Every kernel object of a lab lives in network namespaces named NS_PREFIX-<lab>[-<host>].
NS_PREFIX = "sim"
NETNS_DIR = Path("/run/netns")


def lab_id_prefix() -> str:
    """Prefix of new lab ids (lab1, lab2…); helpers and tests may choose their own."""
    return os.environ.get("SIMULATEUR_LAB_PREFIX", "lab")
