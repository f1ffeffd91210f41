"""Errors a user may see: one French sentence, never a traceback."""

from __future__ import annotations


class SimError(Exception):
    """An error explained to the user in one line (French), with an exit code."""

    exit_code = 1

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(SimError):
    """Bad input from the user (a file, an argument): exit code 2."""

    exit_code = 2


class ScenarioError(UsageError):
    """One or more problems in a scenario or topology file, each with file:line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
