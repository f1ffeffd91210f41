"""Base of every action: data in a scenario file, applied to a running lab."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Annotated, ClassVar

from pydantic import AfterValidator, Field

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.lab.fields import Strict
from simulateur.lab.names import HOST_RE

if TYPE_CHECKING:
    from simulateur.lab.lab import Lab


def _no_parent(path: str) -> str:
    if ".." in path.split("/"):
        raise ValueError(tr("action.no_parent"))
    return path


HostPath = Annotated[
    str, Field(pattern=r"^(/[A-Za-z0-9._+-]+)+$", description="Chemin absolu dans l'hôte."), AfterValidator(_no_parent)
]


class ActionBase(Strict):
    summary: ClassVar[str] = ""
    if TYPE_CHECKING:
        action: str  # each kind's discriminator, a Literal field of its own
    host: str = Field(pattern=HOST_RE, description="Hôte du laboratoire où agir.")

    def apply(self, lab: Lab) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def shell(self) -> list[str]:  # pragma: no cover - abstract
        """The command line(s) a technician would type in the host for the same effect (a gesture no
        command makes — a cable, the engine's own bookkeeping — is a « # … » line saying it)."""
        raise NotImplementedError

    def _run(self, lab: Lab, argv: list[str], timeout: float = 30) -> str:
        result = lab.host(self.host).run(argv, timeout=timeout)
        if result.returncode != 0:
            why = (result.stderr or result.stdout).strip().splitlines()
            raise SimError(
                tr(
                    "action.failed",
                    action=self.action_name(),
                    host=self.host,
                    cmd=" ".join(argv),
                    why=why[-1] if why else result.returncode,
                )
            )
        return result.stdout

    def action_name(self) -> str:
        return str(self.action)


def q(text: str) -> str:
    """One shell word (shlex.quote): what a technician would type for this value."""
    return shlex.quote(str(text))


def heredoc(path: str, content: str) -> str:
    """`cat > PATH <<'EOF'` … `EOF`: a file written whole, its text as it is (a delimiter the text
    does not hold)."""
    body = content if not content or content.endswith("\n") else content + "\n"
    tag = "EOF"
    while any(line == tag for line in body.splitlines()):
        tag += "_"
    return f"cat > {q(path)} <<'{tag}'\n{body}{tag}"


def comment(text: str) -> str:
    """A gesture no command makes, as a shell comment (`text`: French, from i18n)."""
    return "# " + text


def sed_pattern(text: str) -> str:
    """`text` as a literal in a sed basic regular expression with « / » as the separator."""
    return "".join("\\" + c if c in "\\/.*[]^$" else c for c in text)


def sed_replacement(text: str) -> str:
    """`text` as a literal in sed's replacement part."""
    return "".join("\\" + c if c in "\\/&" else c for c in text)
