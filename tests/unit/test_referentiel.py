"""Référentiels TAI / IDI : structure des données et fidélité aux textes officiels.

Les textes sources sont dans ``/work/shared/seeds`` (trouvés par leur contenu) :
le RC du TAI (TP-00476) et la fiche du titre IDI (TP-00304).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from simulateur.referentiel import (
    CCP,
    MODALITY_LABELS,
    Competence,
    Referentiel,
    all_competences,
    all_criteria,
    find_competence,
    find_criterion,
    load_referentiels,
    render_text,
    to_json,
)

SEED_DIR = Path(__file__).resolve().parents[3] / "shared" / "seeds"

# Colonnes à cases à cocher du tableau §3.2/§3.3 du RC, dans l'ordre.
RC_COLUMNS = ("evaluations_complementaires", "mise_en_situation", "questionnaire", "entretien", "entretien_final")

REFS = load_referentiels()
TAI = REFS["TAI"]
IDI = REFS["IDI"]
TAI_COMPETENCES = [comp for comp, _ccp in TAI.competences()]


# --------------------------------------------------------------------------- seeds


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
    return _seed("TP-00476", "Critères d'évaluation", "Technicien(ne) d'Assistance en Informatique")


@pytest.fixture(scope="module")
def idi_seed() -> str:
    return _seed("00304", "Installateur dépanneur en informatique")


def _normalise(text: str) -> str:
    """Sans balises HTML, espaces normalisés, points de fin de phrase retirés."""
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"\.(?= |$)", "", text)


def _row(seed: str, label: str) -> list[str]:
    rows = [line for line in seed.splitlines() if line.startswith(label + "\t")]
    assert len(rows) == 1, f"{label!r} : {len(rows)} lignes trouvées dans le RC (1 attendue)"
    return rows[0].split("\t")


# ----------------------------------------------------------------------- structure


def test_counts() -> None:
    assert set(REFS) == {"TAI", "IDI"}
    assert len(TAI.ccps) == 3
    assert [len(ccp.competences) for ccp in TAI.ccps] == [5, 3, 6]
    assert sum(len(ccp.competences) for ccp in TAI.ccps) == 14
    assert len(TAI.transversal) == 3
    assert len(IDI.ccps) == 2
    assert [len(ccp.competences) for ccp in IDI.ccps] == [4, 3]
    assert IDI.transversal == ()
    assert len(all_competences()) == 14 + 3 + 7
    assert len(all_criteria()) == 73


def test_metadata() -> None:
    assert (TAI.title, TAI.code, TAI.level) == ("Technicien(ne) d'Assistance en Informatique", "TP-00476", "IV")
    assert (IDI.title, IDI.code, IDI.level) == ("Installateur dépanneur en informatique", "TP-00304", "3")


def test_ids_explicit_and_well_formed() -> None:
    expected = {
        "TAI": [f"TAI.CP{n}" for n in range(1, 15)] + ["TAI.CT1", "TAI.CT2", "TAI.CT3"],
        "IDI": [f"IDI.CP{n}" for n in range(1, 8)],
    }
    for ref in REFS.values():
        assert [ccp.id for ccp in ref.ccps] == [f"{ref.id}.CCP{n}" for n in range(1, len(ref.ccps) + 1)]
        assert [comp.id for comp, _ in ref.competences()] == expected[ref.id]
    ids: list[str] = [ccp.id for ref in REFS.values() for ccp in ref.ccps]
    ids += list(all_competences()) + list(all_criteria())
    assert len(ids) == len(set(ids))
    for crit_id, (crit, comp, _ccp, ref) in all_criteria().items():
        assert crit.id == crit_id
        assert re.fullmatch(rf"{ref.id}\.C[PT]\d+\.\d+", crit_id)
        assert crit_id.rsplit(".", 1)[0] == comp.id
        assert comp.criteria[int(crit_id.rsplit(".", 1)[1]) - 1] is crit


def test_criteria_labels_clean() -> None:
    for crit, _comp, _ccp, _ref in all_criteria().values():
        assert crit.label == crit.label.strip()
        assert not crit.label.endswith("."), crit.id
        assert "<" not in crit.label and "  " not in crit.label, crit.id
        assert crit.label[0].isupper(), crit.id


def test_transversal_flags_and_modalities() -> None:
    for comp, ccp, ref in all_competences().values():
        assert comp.transversal is (ccp is None)
        if ref.id == "IDI":
            assert comp.modality is None and comp.criteria == ()
        else:
            assert comp.modality in MODALITY_LABELS and comp.criteria
    assert all(comp.modality == "mise_en_situation" for comp in TAI.transversal)


def test_models_forbid_extra_fields() -> None:
    with pytest.raises(ValueError):
        Competence(id="TAI.CP1", label="x", modality=None, surprise=1)  # type: ignore[call-arg]


def test_bad_ids_rejected() -> None:
    data = TAI.model_dump()
    data["ccps"][0]["competences"][0]["criteria"][1]["id"] = "TAI.CP1.9"
    with pytest.raises(ValueError):
        Referentiel.model_validate(data)


def test_lookup() -> None:
    crit = find_criterion("TAI.CP14.3")
    assert crit is not None and crit.label.startswith("Toutes les informations nécessaires au diagnostic")
    assert find_criterion("TAI.CT1.2").label == "Le langage est clair, précis et adapté à l'interlocuteur"
    assert find_criterion("TAI.CP99.1") is None
    comp = find_competence("TAI.CP13")
    assert comp is not None and comp.label == "Mettre en œuvre un accès haut débit et la téléphonie sur IP"
    assert find_competence("IDI.CP7").label == "Revaloriser et intégrer un équipement fixe ou mobile"
    assert find_competence("nope") is None
    _comp, ccp, ref = all_competences()["TAI.CP8"]
    assert isinstance(ccp, CCP) and ccp.id == "TAI.CCP2" and ref is TAI
    assert all_competences()["TAI.CT2"][1] is None


def test_render_text() -> None:
    text = render_text(REFS)
    assert "Technicien(ne) d'Assistance en Informatique" in text and "TP-00476" in text
    assert "TP-00304" in text
    assert "  TAI.CCP3 — Intervenir et assister sur les accès" in text
    assert "    TAI.CP5 — Sécuriser un équipement informatique et ses données [questionnaire professionnel]" in text
    assert "[entretien technique]" in text and "[mise en situation professionnelle]" in text
    assert "      TAI.CP14.3 — Toutes les informations" in text
    for crit_id in all_criteria():
        assert f" {crit_id} — " in text
    assert render_text() == text


def test_to_json_roundtrip() -> None:
    out = to_json(REFS)
    assert "œuvre" in out and '\n  "TAI": {' in out
    data = json.loads(out)
    assert {key: Referentiel.model_validate(value) for key, value in data.items()} == REFS


# ------------------------------------------------------------ fidélité au RC (TAI)


@pytest.mark.parametrize("comp", TAI_COMPETENCES, ids=lambda c: c.id)
def test_tai_criteria_match_rc(tai_seed: str, comp: Competence) -> None:
    cell = _row(tai_seed, comp.label)[1]
    ours = " ".join(crit.label for crit in comp.criteria)
    assert _normalise(ours) == _normalise(cell)


@pytest.mark.parametrize("comp", TAI_COMPETENCES, ids=lambda c: c.id)
def test_tai_modality_matches_checked_box(tai_seed: str, comp: Competence) -> None:
    boxes = _row(tai_seed, comp.label)[2:]
    assert len(boxes) == len(RC_COLUMNS)
    checked = [col for col, box in zip(RC_COLUMNS, boxes, strict=True) if "checked" in box]
    assert checked == [comp.modality]


def test_tai_order_follows_rc(tai_seed: str) -> None:
    positions = [tai_seed.index("\n" + comp.label + "\t") for comp in TAI_COMPETENCES]
    assert positions == sorted(positions)


def test_tai_ccp_labels_and_membership(tai_seed: str) -> None:
    """Chaque CCP est un intertitre du tableau §3.2, suivi de ses compétences."""
    heads = [tai_seed.index("\n" + ccp.label + "\t") for ccp in TAI.ccps]
    assert heads == sorted(heads)
    bounds = heads + [tai_seed.index("3.3. Les compétences professionnelles transversales")]
    for ccp, start, end in zip(TAI.ccps, bounds, bounds[1:], strict=False):
        for comp in ccp.competences:
            assert start < tai_seed.index("\n" + comp.label + "\t") < end, comp.id
    for comp in TAI.transversal:
        assert tai_seed.index("\n" + comp.label + "\t") > bounds[-1], comp.id


def test_tai_modalities_match_epreuve_table(tai_seed: str) -> None:
    """Recoupement avec le §3.1 : compétences listées par épreuve."""
    prefixes = {
        "mise_en_situation": "Epreuve de synthèse : - Mise en situation professionnelle",
        "questionnaire": "- Questionnaire professionnel\t",
        "entretien": "- Entretien technique\t",
    }
    for modality, prefix in prefixes.items():
        (line,) = [ln for ln in tai_seed.splitlines() if ln.startswith(prefix)]
        listed = line.split("\t")[1]
        found = {comp.id for comp in TAI_COMPETENCES if comp.label in listed}
        expected = {comp.id for comp in TAI_COMPETENCES if comp.modality == modality and not comp.transversal}
        assert found == expected, modality


# ---------------------------------------------------------------- fidélité (IDI)


def test_idi_labels_in_source(idi_seed: str) -> None:
    assert IDI.title in idi_seed
    for ccp in IDI.ccps:
        assert f"CCP - {ccp.label}" in idi_seed, ccp.id
        for comp in ccp.competences:
            assert f"- {comp.label}\n" in idi_seed, comp.id
    # Les compétences sont listées sous le bon CCP, dans l'ordre.
    order = [idi_seed.index(f"CCP - {ccp.label}") for ccp in IDI.ccps]
    for ccp, start in zip(IDI.ccps, order, strict=True):
        positions = [idi_seed.index(f"- {comp.label}\n") for comp in ccp.competences]
        assert positions == sorted(positions) and positions[0] > start
    assert order[1] > idi_seed.index(f"- {IDI.ccps[0].competences[-1].label}\n")
