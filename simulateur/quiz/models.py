"""The question files' schema (pydantic): one file holds questions of one or more competences,
each question names the criterion of the RC it evaluates.

Kinds:
- single: one right choice among several (1 point or 0);
- multiple: several right choices; partial credit (marking.py, PARTIAL_RULE);
- numeric: parameters drawn from the questionnaire's seed, the answer computed (compute.py), never
  written in the file;
- open: a short written answer, marked by the jury against the expected elements.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ID_RE = r"^[a-z][a-z0-9-]{0,63}$"
CRITERION_RE = r"^[A-Z]+\.CP[0-9]+\.[0-9]+$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Question(_Model):
    id: Annotated[str, Field(pattern=ID_RE)]
    criterion: Annotated[str, Field(pattern=CRITERION_RE)]  # e.g. TAI.CP9.2; its competence follows
    text: Annotated[str, Field(min_length=1)]
    points: Annotated[float, Field(gt=0, le=10)] = 1.0
    explanation: str = ""  # shown with the correction, after submission

    @property
    def competence(self) -> str:
        return self.criterion.rsplit(".", 1)[0]


class SingleChoice(_Question):
    kind: Literal["single"]
    choices: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=2, max_length=8)]
    answer: Annotated[int, Field(ge=1)]  # the right choice, counted from 1

    @model_validator(mode="after")
    def _answer_is_a_choice(self) -> SingleChoice:
        if self.answer > len(self.choices):
            raise ValueError(f"answer {self.answer} : il n'y a que {len(self.choices)} choix")
        if len(set(self.choices)) != len(self.choices):
            raise ValueError("deux choix identiques")
        return self


class MultipleChoice(_Question):
    kind: Literal["multiple"]
    choices: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=3, max_length=8)]
    answers: Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=1)]  # right choices, from 1

    @model_validator(mode="after")
    def _answers_are_choices(self) -> MultipleChoice:
        bad = [a for a in self.answers if a > len(self.choices)]
        if bad:
            raise ValueError(f"answers {bad} : il n'y a que {len(self.choices)} choix")
        if len(set(self.answers)) != len(self.answers):
            raise ValueError("answers : un choix apparaît deux fois")
        if len(set(self.choices)) != len(self.choices):
            raise ValueError("deux choix identiques")
        return self


SubnetAsk = Literal["network", "broadcast", "first_host", "last_host", "mask", "hosts", "prefix_for_hosts"]
TransferAsk = Literal["seconds"]


class SubnetSpec(_Model):
    """An address drawn in a private range, its prefix drawn in [min_prefix, max_prefix]."""

    compute: Literal["subnet"]
    ask: SubnetAsk
    min_prefix: Annotated[int, Field(ge=8, le=30)] = 16
    max_prefix: Annotated[int, Field(ge=8, le=30)] = 30

    @model_validator(mode="after")
    def _order(self) -> SubnetSpec:
        if self.min_prefix > self.max_prefix:
            raise ValueError("min_prefix doit être inférieur ou égal à max_prefix")
        return self


class TransferSpec(_Model):
    """A file's size (Mo) and a link's throughput (Mbit/s) drawn; the time to send it computed."""

    compute: Literal["transfer"]
    ask: TransferAsk = "seconds"
    sizes_mo: Annotated[list[Annotated[int, Field(gt=0)]], Field(min_length=1)] = [100, 250, 500, 700, 1000]
    rates_mbits: Annotated[list[Annotated[int, Field(gt=0)]], Field(min_length=1)] = [8, 10, 20, 50, 100]


class Numeric(_Question):
    """`text` holds {holes} filled from the drawn parameters (compute.py lists them)."""

    kind: Literal["numeric"]
    spec: Annotated[SubnetSpec | TransferSpec, Field(discriminator="compute")]
    tolerance: Annotated[float, Field(ge=0, le=50)] = 0.0  # percent, numbers only (not addresses)


class Open(_Question):
    kind: Literal["open"]
    expected: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]  # for the jury


Question = Annotated[SingleChoice | MultipleChoice | Numeric | Open, Field(discriminator="kind")]


class QuestionFile(_Model):
    """One file of the bank: a title (what it covers) and its questions."""

    title: Annotated[str, Field(min_length=1)]
    questions: Annotated[list[Question], Field(min_length=1)]
