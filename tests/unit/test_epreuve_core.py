"""An épreuve's refusals before anything is built, one French line each; the status text."""

from __future__ import annotations

import pytest

from simulateur.epreuve import core, render
from simulateur.epreuve.state import EpreuveState, PhaseRun
from simulateur.errors import UsageError
from simulateur.exam.db import ExamDB


def test_minutes_given_as_phase_equals_n() -> None:
    assert core.parse_minutes(["interventions=90", " entretien_final = 20"]) == {
        "interventions": 90,
        "entretien_final": 20,
    }
    for bad in ("interventions", "interventions=0", "interventions=x", "interventions=999"):
        with pytest.raises(UsageError, match="PHASE=N"):
            core.parse_minutes([bad])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"format_id": "ccp7"}, "format d'épreuve « ccp7 » inconnu"),
        ({"format_id": "tai"}, "--cahier ID"),
        ({"format_id": "ccp2", "cahier": "serveur-services-reseau"}, "--cahier est de trop"),
        ({"format_id": "idi"}, "ne donne pas la durée de la phase « interventions »"),
        (
            {"format_id": "idi", "minutes": {"interventions": 60, "entretien_technique": 20, "questionnaire": 45}},
            "questionnaire absente",
        ),
        ({"format_id": "ccp2", "scale": 0}, "--scale 0"),
        ({"format_id": "ccp2", "scale": 2}, "--scale 2"),
        ({"format_id": "ccp2", "count": 0}, "--interventions 0"),
    ],
)
def test_refused_before_anything_is_built(kwargs: dict, message: str) -> None:
    db = ExamDB()
    before = len(db.sessions())
    with pytest.raises(UsageError, match=message):
        core.start(db, candidate="Alice Martin", **{"format_id": "ccp2", **kwargs})
    assert len(db.sessions()) == before


def test_an_unknown_epreuve() -> None:
    with pytest.raises(UsageError, match="épreuve « ep999 » inconnue"):
        core.advance(ExamDB(), "ep999")


def test_status_says_time_left_and_over_time() -> None:
    st = EpreuveState(
        id="ep1",
        candidate="A",
        format="ccp2",
        seed=1,
        current=1,
        phases=[
            PhaseRun(kind="interventions", minutes=30, presence="jury", started=0.0, ended=1500.0),
            PhaseRun(kind="entretien_technique", minutes=30, presence="jury", started=1500.0),
        ],
    )
    assert core.remaining(st.phases[1], now=1500.0 + 600) == pytest.approx(1200)
    text = render.status_text(st, "CCP 2")
    assert "terminée en 25 min 00 s" in text and "▶ 2. entretien technique" in text
    late = core.remaining(st.phases[1], now=1500.0 + 2000)
    assert late is not None and late < 0
