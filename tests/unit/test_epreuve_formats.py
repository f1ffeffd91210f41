"""The épreuve formats against the RC's own text (shared/seeds): durations read from the modalities
tables, competences read from their rows, and the titre's modalities against the grid's ticked boxes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simulateur import referentiel
from simulateur.epreuve.formats import all_formats, get_format, load_formats
from simulateur.epreuve.models import Format
from simulateur.errors import ScenarioError, UsageError

SEED_DIR = Path(__file__).resolve().parents[3] / "shared" / "seeds"
DURATION = re.compile(r"(\d\d) h (\d\d) mn")


def _seed(*markers: str) -> str:
    if not SEED_DIR.is_dir():
        pytest.skip(f"textes sources absents : {SEED_DIR} n'existe pas")
    for path in sorted(SEED_DIR.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        if all(m in text for m in markers):
            return text
    pytest.fail(f"aucun texte de {SEED_DIR} ne contient {markers!r}")


@pytest.fixture(scope="module")
def tai_seed() -> str:
    return _seed("TP-00476", "Critères d'évaluation")


def _minutes(text: str) -> list[int]:
    return [int(h) * 60 + int(m) for h, m in DURATION.findall(text)]


def _line(text: str, start: str, after: int = 0) -> str:
    pos = text.index(start, after)
    return text[pos : text.index("\n", pos)]


def _labels_in(row: str, fmt: Format) -> list[str]:
    comps = referentiel.all_competences()
    return sorted(cid for cid in fmt.competence_ids() if comps[cid][0].label in row)


def _m(fmt: Format, kind: str) -> int:
    phase = fmt.phase(kind)
    assert phase is not None and phase.minutes is not None
    return phase.minutes


def test_titre_durations_are_the_rcs(tai_seed: str) -> None:
    tai = get_format("tai")
    table = tai_seed[tai_seed.index("3.1. Les épreuves") : tai_seed.index("Précisions pour le")]
    mes = _line(table, "Epreuve de synthèse")
    assert _minutes(mes) == [_m(tai, "preparation") + _m(tai, "interventions")]  # 04 h 40 mn
    assert "(4h)" in mes and "(40mn)" in mes
    assert (_m(tai, "preparation"), _m(tai, "interventions")) == (240, 40)
    assert _minutes(_line(table, "- Questionnaire professionnel")) == [_m(tai, "questionnaire")]
    assert _minutes(_line(table, "- Entretien technique")) == [_m(tai, "entretien_technique")]
    assert _minutes(_line(table, "Entretien final")) == [_m(tai, "entretien_final")]
    assert _minutes(_line(table, "\tPar candidat")) == [tai.total_minutes, tai.jury_minutes]
    assert "1h20 mn avec chaque candidat" in tai_seed
    assert "évaluer 4 candidats en une journée" in tai_seed and tai.per_platform_day == 4


def test_titre_competences_are_the_rows(tai_seed: str) -> None:
    tai = get_format("tai")
    table = tai_seed[tai_seed.index("3.1. Les épreuves") : tai_seed.index("Précisions pour le")]
    mes = list(_labels_in(_line(table, "Epreuve de synthèse"), tai))
    assert mes == sorted(c for c in tai.phases[0].competences if not c.startswith("TAI.CT"))
    assert _labels_in(_line(table, "- Questionnaire professionnel"), tai) == sorted(
        tai.phase("questionnaire").competences
    )
    assert _labels_in(_line(table, "- Entretien technique"), tai) == sorted(
        tai.phase("entretien_technique").competences
    )


def test_titre_modalities_are_the_grids_ticked_boxes() -> None:
    """The session titre's grid ticks one column per competence (test_referentiel checks tai.yaml
    against the boxes); each phase of the titre that evaluates it is of that column, and every
    competence of the grid is evaluated by some phase."""
    tai = get_format("tai")
    for cid, (comp, _ccp, ref) in referentiel.all_competences().items():
        if ref.id != "TAI":
            continue
        assert tai.modalities_of(cid) == list(comp.modalities), cid


@pytest.mark.parametrize("n", [1, 2, 3])
def test_ccp_durations_and_competences_are_the_rcs(tai_seed: str, n: int) -> None:
    fmt = get_format(f"ccp{n}")
    start = tai_seed.index(f"CCP {n} - ")
    block = tai_seed[start : tai_seed.index("Libellé abrégé", start)]
    mes = _line(block, "Mise en situation professionnelle")
    ent = _line(block, "Entretien technique")
    total, jury = _minutes(_line(block, "Par candidat"))
    assert (fmt.total_minutes, fmt.jury_minutes) == (total, jury)
    assert _minutes(mes) == [sum(p.minutes or 0 for p in fmt.phases if p.modality == "mise_en_situation")]
    assert _minutes(ent) == [_m(fmt, "entretien_technique")]
    if "(durée 1h)" in mes:  # CCP1, CCP3 : 1 h sous surveillance, 30 min d'évaluation par le binôme
        assert (_m(fmt, "interventions"), _m(fmt, "evaluation")) == (60, 30)
        assert fmt.phase("interventions").presence == "surveillant"
    else:
        assert fmt.phase("evaluation") is None and fmt.phase("interventions").presence == "jury"
    assert _labels_in(mes, fmt) == sorted(fmt.phase("interventions").competences)
    assert _labels_in(ent, fmt) == sorted(fmt.phase("entretien_technique").competences)
    assert 'Questionnaire professionnel\t<input type="checkbox"/>\tSans Objet' in block
    assert fmt.phase("questionnaire") is None


def test_ccp1_moves_securiser_to_the_entretien() -> None:
    """The CCP's own table, not the titre's: « Sécuriser » is questionnaire in the titre, entretien in CCP1."""
    assert get_format("tai").modalities_of("TAI.CP5") == ["questionnaire"]
    assert get_format("ccp1").modalities_of("TAI.CP5") == ["entretien"]


def test_idi_has_no_duration_since_its_text_gives_none() -> None:
    text = _seed("00304", "Installateur dépanneur en informatique")
    assert not DURATION.search(text)
    idi = get_format("idi")
    assert all(p.minutes is None for p in idi.phases) and idi.total_minutes is None
    assert [p.kind for p in idi.phases] == ["interventions", "entretien_technique", "entretien_final"]


def test_every_format_loads_and_phases_add_up() -> None:
    for fmt in all_formats():
        if fmt.total_minutes is not None:
            assert sum(p.minutes or 0 for p in fmt.phases) == fmt.total_minutes


def test_unknown_format_is_one_french_line() -> None:
    with pytest.raises(UsageError, match="format d'épreuve « ccp9 » inconnu ; possibles : tai, ccp1"):
        get_format("ccp9")


def test_a_bad_formats_file_says_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "f.yaml"
    bad.write_text(
        "formats:\n  - id: x\n    title: t\n    referentiel: TAI\n    total_minutes: 10\n"
        "    jury_minutes: null\n    phases:\n      - kind: preparation\n        minutes: 20\n"
        "        presence: surveillant\n        modality: null\n        competences: [TAI.CP99]\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as err:
        load_formats(bad)
    assert "f.yaml:" in str(err.value) and "TAI.CP99" in str(err.value)
