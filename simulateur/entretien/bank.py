"""The interview bank: YAML files (the package's questions/, or a trainer's file), read with the
scenarios' loader so that every mistake is one French line naming the file and its line.

Beyond the schema: each criterion exists in the referentiels and its competence is evaluated by
some format's entretien technique — the titre's (RC: modality « entretien »: CP2, CP7, CP13) or a
CCP's own (CCP1: CP2, CP5; CCP2: CP6, CP7; CCP3: CP13) —, read from the épreuve formats
(simulateur/epreuve/formats.yaml, the one source: epreuve.formats and epreuve.models import nothing
of this package, so no cycle); ids are unique across the bank.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from simulateur import referentiel
from simulateur.entretien.models import BankFile, BankQuestion
from simulateur.epreuve.formats import all_formats
from simulateur.errors import ScenarioError
from simulateur.i18n import tr
from simulateur.scenario.yamlload import Located, load_located, validate_located

QUESTIONS_DIR = Path(__file__).resolve().parent / "questions"


@dataclass(frozen=True)
class Bank:
    questions: dict[str, BankQuestion]  # id → question, in file order
    where: dict[str, str]  # id → "file:line"

    def by_competence(self) -> dict[str, list[BankQuestion]]:
        out: dict[str, list[BankQuestion]] = {}
        for q in self.questions.values():
            out.setdefault(q.competence, []).append(q)
        return out


def entretien_competences(ref: str | None = None) -> list[str]:
    """The competences the RC evaluates by the entretien technique (TAI: CP2, CP7, CP13), of one
    referentiel or of all."""
    return [
        cid
        for cid, (comp, _, _) in referentiel.all_competences().items()
        if comp.modality == "entretien" and (ref is None or cid.split(".", 1)[0] == ref)
    ]


def bank_competences() -> list[str]:
    """The competences some format's entretien technique evaluates (the titre's or a CCP's), in the
    référentiels' order: the ones the bank may hold questions for."""
    asked = {c for f in all_formats() for p in f.phases if p.kind == "entretien_technique" for c in p.competences}
    return [cid for cid in referentiel.all_competences() if cid in asked]


def check_file(located: Located, bfile: BankFile) -> list[str]:
    problems: list[str] = []
    criteria = referentiel.all_criteria()
    allowed = bank_competences()
    seen: set[str] = set()
    for i, q in enumerate(bfile.questions):
        if q.id in seen:
            problems.append(f"{located.where(('questions', i, 'id'))}: {tr('entretien.check.dup_id', id=q.id)}")
        seen.add(q.id)
        at = located.where(("questions", i, "criterion"))
        if q.criterion not in criteria:
            problems.append(f"{at}: {tr('entretien.check.unknown_criterion', id=q.criterion)}")
        elif q.competence not in allowed:
            problems.append(
                f"{at}: "
                + tr("entretien.check.not_entretien", id=q.criterion, comp=q.competence, allowed=", ".join(allowed))
            )
    return problems


def load_bank(paths: list[Path] | None = None) -> Bank:
    """Every question of the files (default: the package's bank), checked; ScenarioError lists
    every problem as file:line."""
    files = sorted(QUESTIONS_DIR.glob("*.yaml")) if paths is None else paths
    questions: dict[str, BankQuestion] = {}
    where: dict[str, str] = {}
    problems: list[str] = []
    for path in files:
        try:
            located = load_located(path)
            bfile = validate_located(BankFile, located)
        except ScenarioError as exc:
            problems += exc.problems
            continue
        problems += check_file(located, bfile)
        for i, q in enumerate(bfile.questions):
            at = located.where(("questions", i, "id"))
            if q.id in questions:
                if where[q.id].rsplit(":", 1)[0] != str(path):
                    problems.append(f"{at}: {tr('entretien.check.dup_id_elsewhere', id=q.id, other=where[q.id])}")
                continue
            questions[q.id] = q
            where[q.id] = at
    if problems:
        raise ScenarioError(problems)
    return Bank(questions, where)
