"""Every sentence a trainee, trainer or jury reads comes from one gettext catalogue.

The code asks by symbolic key (English, e.g. "yaml.unreadable"); the French text is in
simulateur/locale/fr/LC_MESSAGES/simulateur.po (the source), compiled to simulateur.mo by
`make deps` (pybabel compile). English can follow as another .po.

`tr(key, **values)` formats one entry; `trn(key, n, **values)` the singular or plural form of a
plural entry for the count `n`; `N_(key)` marks a key that the code builds at run time (so that
Babel's extractor sees it). A missing key is a programming error (KeyError, loud).
argparse's own messages ("usage:", "invalid choice"…) go through the same catalogue: `argparse_fr()`.
"""

from __future__ import annotations

import gettext
import io
import os
import sys
from pathlib import Path
from typing import Any

DOMAIN = "simulateur"
LANGUAGE = "fr"  # the one shipped language, whatever LANG says (CI runs with LANG=C)
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
PO = LOCALE_DIR / LANGUAGE / "LC_MESSAGES" / f"{DOMAIN}.po"
MO = PO.with_suffix(".mo")


def _compile(po: Path) -> bytes:
    """The .mo of `po`, compiled in-process with Babel (a source tree without `make deps`, or a .po
    edited since): about 0.3 s, once; written next to the .po when the directory is writable."""
    try:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import PoFileError, read_po
    except ImportError:
        sys.exit(f"simulateur : catalogue des messages {MO} absent ou périmé et Babel non installé : « make deps »")
    try:
        with po.open("rb") as f:
            catalog = read_po(f, locale=LANGUAGE, domain=DOMAIN, abort_invalid=True)
    except PoFileError as exc:  # a hand edit gone wrong: the line, not a traceback
        sys.exit(f"simulateur : {po} : {exc}")
    out = io.BytesIO()
    write_mo(out, catalog)
    data = out.getvalue()
    try:
        tmp = MO.with_suffix(f".{os.getpid()}.tmp")  # one per process: two first runs at once each write whole
        tmp.write_bytes(data)
        tmp.replace(MO)
    except OSError:
        pass  # a read-only install: compiled again next time (make deps compiles it once and for all)
    return data


def _load() -> gettext.GNUTranslations:
    try:
        fresh = MO.stat().st_mtime >= PO.stat().st_mtime
    except FileNotFoundError:
        if not PO.exists() and MO.exists():  # an install that ships the .mo only
            fresh = True
        elif not PO.exists():
            sys.exit(f"simulateur : catalogue des messages {PO} introuvable : installation incomplète")
        else:
            fresh = False
    if fresh:
        with MO.open("rb") as f:
            return gettext.GNUTranslations(f)
    return gettext.GNUTranslations(io.BytesIO(_compile(PO)))


TRANSLATION = _load()
CATALOG: dict[Any, str] = TRANSLATION._catalog  # type: ignore[attr-defined]  # key -> text, (key, form) -> text


def N_(key: str) -> str:
    """A key the code builds at run time (tr(f"tui.mode.{m}")), written once here for the extractor."""
    return key


def tr(key: str, /, **values: Any) -> str:
    """The French text for `key`, formatted with `values`."""
    try:
        text = CATALOG[key]
    except KeyError:
        raise KeyError(f"i18n: no text for {key!r} in {PO.name}") from None
    return text.format(**values)


def trn(key: str, n: float, /, **values: Any) -> str:
    """The singular or plural form of the plural entry `key` for the count `n` (French: 0 and 1 take
    the singular), formatted with `n` and `values`."""
    try:
        text = CATALOG[(key, TRANSLATION.plural(n))]  # type: ignore[attr-defined]
    except KeyError:
        raise KeyError(f"i18n: no plural text for {key!r} in {PO.name}") from None
    return text.format(**{"n": n, **values})


def argparse_fr() -> None:
    """argparse says its own messages (usage, errors, help headings) through this catalogue: it calls
    its module's `_` and `ngettext` (gettext's), which become ours."""
    import argparse

    argparse._ = TRANSLATION.gettext  # type: ignore[attr-defined]
    argparse.ngettext = TRANSLATION.ngettext  # type: ignore[attr-defined]
