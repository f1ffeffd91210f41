"""The reference solution as a technician types it: on which host, which command lines."""

from __future__ import annotations

from pydantic import BaseModel

from simulateur.scenario.models import Scenario


class Step(BaseModel):
    host: str
    commands: list[str]


def reference_steps(scenario: Scenario) -> list[Step]:
    """The scenario's solution (as played: parameters filled in), one step per action; consecutive
    actions on one host share a step."""
    steps: list[Step] = []
    for action in scenario.solution:
        lines = action.shell()
        if steps and steps[-1].host == action.host:
            steps[-1].commands += lines
        else:
            steps.append(Step(host=action.host, commands=lines))
    return steps
