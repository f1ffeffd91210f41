"""The épreuve formats shipped with the package (formats.yaml), validated with file:line errors."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from simulateur.epreuve.models import Format, Formats
from simulateur.errors import UsageError
from simulateur.i18n import tr
from simulateur.scenario.yamlload import load_located, validate_located

FILE = Path(__file__).resolve().parent / "formats.yaml"


def load_formats(path: Path = FILE) -> dict[str, Format]:
    located = load_located(path)
    loaded = validate_located(Formats, located)
    assert isinstance(loaded, Formats)
    return {f.id: f for f in loaded.formats}


@cache
def _shipped() -> dict[str, Format]:
    return load_formats()


def get_format(format_id: str) -> Format:
    found = _shipped().get(format_id.strip().lower())
    if found is None:
        raise UsageError(tr("epreuve.unknown_format", id=format_id, known=", ".join(_shipped())))
    return found


def all_formats() -> list[Format]:
    return list(_shipped().values())
