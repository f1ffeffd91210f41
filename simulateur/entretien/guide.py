"""The guide d'entretien of one candidate: questions on what her journal shows she did (journal.py),
then questions drawn from the bank for the competences the RC evaluates by the entretien technique
(the titre's: CP2, CP7, CP13 in 20 minutes; a CCP's own, in 30: CCP1 CP2 and CP5, CCP2 CP6 and CP7,
CCP3 CP13 — simulateur.epreuve.formats), about 2 minutes a question. The draw is reproducible: the session's seed and the
candidate's name give the same guide."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from simulateur import referentiel
from simulateur.entretien.bank import Bank, BankQuestion, entretien_competences
from simulateur.entretien.journal import Done, clock
from simulateur.i18n import N_, tr

#: The entretien technique's duration (RC TAI: « 00 h 20 mn »).
MINUTES = 20
#: About two minutes a question, relaunches included.
MINUTES_PER_QUESTION = 2
#: Questions on her own work: at most this many, so that every competence keeps its questions.
JOURNAL_MAX = 4


class GuideQuestion(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str  # the bank's id, or j1, j2… for a question on her journal
    source: Literal["banque", "journal"]
    text: str
    expected: list[str]
    criterion: str | None = None  # the criterion it informs (None: the intervention's competences)
    competences: list[str] = Field(default_factory=list)
    intervention: int | None = None  # the intervention whose journal it comes from
    follow_up: str = ""


class Guide(BaseModel):
    session: str
    candidate: str
    seed: int
    minutes: int = MINUTES
    created: float
    questions: list[GuideQuestion]

    def find(self, ref: str) -> GuideQuestion | None:
        """A question by its number (from 1) or its id."""
        ref = ref.strip()
        if ref.isdigit() and 1 <= int(ref) <= len(self.questions):
            return self.questions[int(ref) - 1]
        return next((q for q in self.questions if q.id == ref), None)

    def number(self, qid: str) -> int:
        return next(i for i, q in enumerate(self.questions, 1) if q.id == qid)


def draw_bank(bank: Bank, competences: list[str], count: int, rng: random.Random) -> list[GuideQuestion]:
    """`count` questions shared among the competences, each competence's criteria in turn (as many
    criteria covered as the count allows)."""
    pools = bank.by_competence()
    comps = [c for c in competences if pools.get(c)]
    if not comps or count <= 0:
        return []
    share = [count // len(comps) + (i < count % len(comps)) for i in range(len(comps))]
    out: list[GuideQuestion] = []
    for comp, n in zip(comps, share):
        by_criterion: dict[str, list[BankQuestion]] = {}
        for q in pools[comp]:
            by_criterion.setdefault(q.criterion, []).append(q)
        for qs in by_criterion.values():
            rng.shuffle(qs)
        order = sorted(by_criterion)
        rng.shuffle(order)
        taken = 0
        while taken < n and any(by_criterion.values()):
            for crit in order:
                if by_criterion[crit] and taken < n:
                    q = by_criterion[crit].pop()
                    out.append(
                        GuideQuestion(
                            id=q.id,
                            source="banque",
                            text=q.text,
                            expected=list(q.expected),
                            criterion=q.criterion,
                            competences=[q.competence],
                            follow_up=q.follow_up,
                        )
                    )
                    taken += 1
    return out


def _test_criterion(competences: list[str]) -> str | None:
    """The first criterion of these competences about checking the work by tests (« …validé par
    les tests », « Les tests de fonctionnement… », « …est testé »), not about tests made to
    diagnose: what a question on how she checked her work informs."""
    for cid in competences:
        comp = referentiel.find_competence(cid)
        for crit in comp.criteria if comp else ():
            label = crit.label.casefold()
            if "test" in label and "diagnostic" not in label:
                return crit.id
    return None


#: A command quoted in a question is cut at this length (a heredoc is not read aloud).
QUOTE_MAX = 80


def _quote(text: str) -> str:
    one = " ".join(text.split())
    return one if len(one) <= QUOTE_MAX else one[: QUOTE_MAX - 1].rstrip() + "…"


def journal_question(done: Done, index: int, competences: list[str], fallback: Sequence[str] = ()) -> GuideQuestion:
    """One question on one thing she did: its text says what and when, never what was expected."""
    values = {"subject": _quote(done.subject), "where": tr("entretien.q.on_host", host=done.host), "at": clock(done.t)}
    times = tr("entretien.q.times", n=done.count) if done.count > 1 else ""
    text = tr(f"entretien.q.{done.topic}", times=times, **values)
    expected = tr(f"entretien.expected.{done.topic}").split("\n")
    # how she checked: her intervention's criterion on tests, else the entretien's own (TAI.CP2.4)
    crit = None if done.topic == "file" else _test_criterion([*competences, *fallback])
    return GuideQuestion(
        id="",
        source="journal",
        text=text,
        expected=expected,
        criterion=crit,
        competences=list(competences),
        intervention=index,
    )


def pick_journal(
    per_intervention: list[tuple[int, list[str], list[Done]]], limit: int = JOURNAL_MAX, fallback: Sequence[str] = ()
) -> list[GuideQuestion]:
    """Up to `limit` questions, the interventions in turn (each one's first file, then the next
    intervention's…), so that every intervention she worked on is asked about."""
    queues = [[journal_question(d, index, comps, fallback) for d in done] for index, comps, done in per_intervention]
    out: list[GuideQuestion] = []
    while len(out) < limit and any(queues):
        for q in queues:
            if q and len(out) < limit:
                out.append(q.pop(0))
    return [q.model_copy(update={"id": f"j{n}"}) for n, q in enumerate(out, 1)]


def build(
    session_id: str,
    candidate: str,
    seed: int,
    referentiel_id: str,
    bank: Bank,
    per_intervention: list[tuple[int, list[str], list[Done]]],
    now: float,
    key: Callable[[str], str] = lambda s: " ".join(s.split()).casefold(),
    competences: list[str] | None = None,
    minutes: int = MINUTES,
) -> Guide:
    """The guide: her journal's questions first (the RC: « sur les travaux réalisés »), then the
    bank's, drawn from the seed and her name, up to `minutes`' worth (the titre's 20; a CCP's
    entretien lasts 30 and evaluates its own `competences`, simulateur.epreuve.formats)."""
    total = max(1, minutes // MINUTES_PER_QUESTION)
    comps = entretien_competences(referentiel_id) if competences is None else competences
    mine = pick_journal(per_intervention, fallback=comps)
    rng = random.Random(f"{seed}/entretien/{key(candidate)}")
    drawn = draw_bank(bank, comps, total - len(mine), rng)
    return Guide(
        session=session_id, candidate=candidate, seed=seed, minutes=minutes, created=now, questions=[*mine, *drawn]
    )


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("entretien.expected.file"),
    N_("entretien.expected.service"),
    N_("entretien.expected.test"),
    N_("entretien.expected.untested"),
    N_("entretien.q.file"),
    N_("entretien.q.service"),
    N_("entretien.q.test"),
    N_("entretien.q.untested"),
)
