"""The question bank: YAML files (the package's questions/, or a trainer's file), read with the
scenarios' loader (simulateur/scenario/yamlload.py) so that every mistake is one French line
naming the file and its line.

Beyond the schema: each criterion exists in the referentiels and its competence is evaluated by
the questionnaire (RC: modality « questionnaire »); ids are unique across the bank; a numeric
question's text uses only the holes its computation fills; a tolerance only on numbers.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simulateur import referentiel
from simulateur.errors import ScenarioError
from simulateur.i18n import N_, tr
from simulateur.quiz import compute
from simulateur.quiz.models import Numeric, QuestionFile
from simulateur.scenario.yamlload import Located, explain, load_located

QUESTIONS_DIR = Path(__file__).resolve().parent / "questions"


@dataclass(frozen=True)
class Bank:
    questions: dict[str, Any]  # id → question (models.Question), in file order
    where: dict[str, str]  # id → "file:line"

    def by_competence(self) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {}
        for q in self.questions.values():
            out.setdefault(q.competence, []).append(q)
        return out


def questionnaire_competences() -> list[str]:
    """The competences the RC evaluates by the questionnaire professionnel (TAI: CP5, CP6, CP9)."""
    return [cid for cid, (comp, _, _) in referentiel.all_competences().items() if comp.modality == "questionnaire"]


def _holes(text: str) -> list[str]:
    try:
        return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError:
        return ["{"]


def _data_loc(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """A pydantic error's location as a path in the file's data: the tags a discriminated union
    adds (« questions.3.numeric.answer ») are not keys of the file, and are dropped."""
    out: list[Any] = []
    for part in loc:
        if (isinstance(data, dict) and part in data) or (
            isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        ):
            data = data[part]
        elif isinstance(data, dict) and isinstance(part, str):
            continue  # a tag, not a key (or a missing key: its parent's line)
        else:
            break
        out.append(part)
    return tuple(out)


def _validate(located: Located) -> QuestionFile:
    """The schema, errors as file:line (the loader's sentences), the line being the faulty key's."""
    try:
        return QuestionFile.model_validate(located.data)
    except ValidationError as exc:
        problems: list[str] = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            if err["type"] in ("union_tag_invalid", "union_tag_not_found"):  # the line of `kind:`
                loc += (str((err.get("ctx") or {}).get("discriminator", "kind")).strip("'"),)
            line = f"{located.where(_data_loc(located.data, loc))}: {explain(err)}"
            if line not in problems:
                problems.append(line)
        raise ScenarioError(problems) from None


def check_file(located: Located, qfile: QuestionFile) -> list[str]:
    problems: list[str] = []

    def err(where: tuple[Any, ...], key: str, **kw: Any) -> None:
        problems.append(f"{located.where(where)}: {tr(key, **kw)}")

    criteria = referentiel.all_criteria()
    allowed = questionnaire_competences()
    seen: set[str] = set()
    for i, q in enumerate(qfile.questions):
        if q.id in seen:
            err(("questions", i, "id"), N_("quiz.check.dup_id"), id=q.id)
        seen.add(q.id)
        if q.criterion not in criteria:
            err(("questions", i, "criterion"), N_("quiz.check.unknown_criterion"), id=q.criterion)
        elif q.competence not in allowed:
            err(
                ("questions", i, "criterion"),
                N_("quiz.check.not_questionnaire"),
                id=q.criterion,
                comp=q.competence,
                allowed=", ".join(allowed),
            )
        if isinstance(q, Numeric):
            known = compute.HOLES[q.spec.compute]
            for name in _holes(q.text):
                if name not in known:
                    err(("questions", i, "text"), N_("quiz.check.unknown_hole"), name=name, known=", ".join(known))
            if q.tolerance and (q.spec.compute, q.spec.ask) not in compute.TOLERANT:
                err(("questions", i, "tolerance"), N_("quiz.check.tolerance"), ask=q.spec.ask)
        elif _holes(q.text):
            err(("questions", i, "text"), N_("quiz.check.holes_outside_numeric"))
    return problems


def load_file(path: Path) -> QuestionFile:
    """One question file, checked; ScenarioError lists every problem as file:line."""
    located = load_located(path)
    qfile = _validate(located)
    problems = check_file(located, qfile)
    if problems:
        raise ScenarioError(problems)
    return qfile


def load_bank(paths: list[Path] | None = None) -> Bank:
    """Every question of the files (default: the package's bank); ids unique across files."""
    files = sorted(QUESTIONS_DIR.glob("*.yaml")) if paths is None else paths
    questions: dict[str, Any] = {}
    where: dict[str, str] = {}
    problems: list[str] = []
    for path in files:
        try:
            located = load_located(path)
            qfile = _validate(located)
            file_problems = check_file(located, qfile)
        except ScenarioError as exc:
            problems += exc.problems
            continue
        problems += file_problems
        for i, q in enumerate(qfile.questions):
            at = located.where(("questions", i, "id"))
            if q.id in questions:
                problems.append(f"{at}: {tr('quiz.check.dup_id_elsewhere', id=q.id, other=where[q.id])}")
                continue
            questions[q.id] = q
            where[q.id] = at
    if problems:
        raise ScenarioError(problems)
    return Bank(questions, where)
