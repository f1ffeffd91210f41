"""The app's settings on this machine: who is at the keyboard, and the theme. A small JSON file in
the data dir (`reglages.json`), read at start and written when either changes; the store is not
touched (its attempts already carry the trainee's name in `candidate`)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simulateur.i18n import tr
from simulateur.paths import data_dir

FILE_NAME = "reglages.json"


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore")

    trainee: str | None = Field(default=None, max_length=80)
    theme: str | None = None


def settings_path() -> Path:
    return data_dir() / FILE_NAME


def load() -> tuple[Settings, str | None]:
    """The settings, and a one-line French problem when the file could not be read (defaults then)."""
    path = settings_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings(), None
    except OSError as exc:
        return Settings(), f"{path} : {exc.strerror or exc}"
    try:
        return Settings.model_validate(json.loads(text)), None
    except (ValueError, ValidationError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Settings(), tr("tui.settings.unreadable", path=path, why=first)


def save(settings: Settings) -> None:
    """Written whole, atomically (a crash never leaves half a file)."""
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(settings.model_dump_json(indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
