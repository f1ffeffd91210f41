"""The interview bank's schema (pydantic): each question names the RC criterion it evaluates and
the elements the jury listens for in the answer."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

ID_RE = r"^[a-z][a-z0-9-]{0,63}$"
CRITERION_RE = r"^[A-Z]+\.CP[0-9]+\.[0-9]+$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BankQuestion(_Model):
    id: Annotated[str, Field(pattern=ID_RE)]
    criterion: Annotated[str, Field(pattern=CRITERION_RE)]  # e.g. TAI.CP13.2; its competence follows
    text: Annotated[str, Field(min_length=1)]  # what the jury asks
    expected: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=2)]  # what it listens for
    follow_up: str = ""  # a relaunch if the answer stays vague

    @property
    def competence(self) -> str:
        return self.criterion.rsplit(".", 1)[0]


class BankFile(_Model):
    """One file of the bank: a title (what it covers) and its questions."""

    title: Annotated[str, Field(min_length=1)]
    questions: Annotated[list[BankQuestion], Field(min_length=1)]
