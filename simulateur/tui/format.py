"""Presentation helpers: durations, dates, competences and actions as a trainee reads them."""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Iterable

from simulateur import referentiel
from simulateur.i18n import N_, tr


def clock(seconds: float) -> str:
    """12:05 or 1:02:05 (a timer)."""
    s = int(abs(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    text = f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"
    return f"-{text}" if seconds < 0 else text


def duration(seconds: float | None) -> str:
    """« 12 min 05 s » (a duration in a sentence)."""
    if seconds is None:
        return "—"
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m} min {s:02d} s"
    h, m = divmod(m, 60)
    return f"{h} h {m:02d} min"


def when(t: float | None) -> str:
    """« 23/11 21:07 »."""
    return "—" if t is None else time.strftime("%d/%m %H:%M", time.localtime(t))


def hour(t: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(t))


def fold(text: str) -> str:
    """Lower case without accents, for search as you type."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def ccp_of(competence_id: str) -> str | None:
    """« TAI.CCP3 » for « TAI.CP14 » (None for a transversal or unknown competence)."""
    found = referentiel.all_competences().get(competence_id)
    if not found or found[1] is None:
        return None
    return found[1].id


def short(ident: str) -> str:
    """« CP14 » for « TAI.CP14 », « CCP3 » for « TAI.CCP3 »."""
    return ident.split(".", 1)[1] if "." in ident else ident


def competence_label(competence_id: str) -> str:
    comp = referentiel.find_competence(competence_id)
    return comp.label if comp else competence_id


def ccps(competences: Iterable[str]) -> list[str]:
    out: list[str] = []
    for c in competences:
        ccp = ccp_of(c)
        if ccp and ccp not in out:
            out.append(ccp)
    return out


def level(n: int) -> str:
    return tr(f"tui.level.{n}")


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("tui.level.1"),
    N_("tui.level.2"),
    N_("tui.level.3"),
)
