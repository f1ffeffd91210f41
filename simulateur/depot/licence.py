"""Compta Pro's licence key, as its program checks it (the same formula as in compta-pro.py)."""

from __future__ import annotations

import hashlib


def licence_key(societe: str) -> str:
    digest = hashlib.sha256(("compta-pro/" + societe.strip()).encode()).hexdigest().upper()
    return "-".join(digest[i : i + 4] for i in range(0, 16, 4))
