"""The trainer's commands (scenario authoring): new, validate, actions, probes, and the coverage
of the referentiels. cli.py only wires them into its parser."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from simulateur.errors import ScenarioError
from simulateur.i18n import N_, tr
from simulateur.paths import scenarios_dir, user_scenarios_dir
from simulateur.scenario.models import ID_RE


def is_file(name: str) -> bool:
    """`name` is an existing file (never an error: a name may be too long, or hold a NUL)."""
    try:
        return Path(name).is_file()
    except (OSError, ValueError):
        return False


# --- validate ------------------------------------------------------------------------------------
def _targets(names: list[str]) -> list[Path | str]:
    """Files to check: paths as given, ids looked up among the shipped and the trainer's scenarios
    (an unknown id stays a str); nothing given → every scenario and topology of both folders."""
    folders = [scenarios_dir()] + [user_scenarios_dir()] * (user_scenarios_dir().is_dir())
    if not names:
        return [p for f in folders for sub in (f, f / "topologies") for p in sorted(sub.glob("*.yaml"))]
    out: list[Path | str] = []
    for name in names:
        if re.match(ID_RE, name) and not is_file(name):  # an id
            found = [f / f"{name}.yaml" for f in folders if (f / f"{name}.yaml").exists()]
            out.append(found[0] if found else name)
        else:
            out.append(Path(name))
    return out


def validate(names: list[str]) -> int:
    from simulateur.scenario.loader import load_scenario, load_topology

    paths = _targets(names)
    if not paths:
        print(tr("cli.validate_none"), file=sys.stderr)
        return 2
    failed = 0
    for path in paths:
        if not isinstance(path, str) and not is_file(str(path)):
            failed += 1
            shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(path))  # one line
            print(f"simulateur : {tr('cli.no_such_file', path=shown)}", file=sys.stderr)
            continue
        if isinstance(path, str):
            failed += 1
            folders = (scenarios_dir(), user_scenarios_dir())
            known = ", ".join(sorted({p.stem for f in folders for p in f.glob("*.yaml")}))
            print(f"simulateur : {tr('scenario.unknown', id=path, known=known or 'aucun')}", file=sys.stderr)
            continue
        try:
            if path.parent.name == "topologies":
                load_topology(path.stem, path.parent.parent)
            else:
                load_scenario(path)
        except ScenarioError as exc:
            failed += 1
            for p in exc.problems:
                print(p, file=sys.stderr)
            continue
        print(tr("cli.valid", path=path))
    return 2 if failed else 0


# --- new -----------------------------------------------------------------------------------------
def cmd_new(args: argparse.Namespace) -> int:
    from simulateur.scenario.scaffold import scaffold

    hosts = [h.strip() for h in args.hosts.split(",") if h.strip()] if args.hosts else None
    folder = Path(args.output) if args.output else None
    path = scaffold(args.id, args.topology, hosts, folder)
    print(tr("new.written", path=path))
    print(tr("new.next_steps", path=path))
    if path.parent.resolve() == user_scenarios_dir().resolve():
        print(tr("new.next_user"))
    elif path.parent.resolve() != scenarios_dir().resolve():
        print(tr("new.next_other", folder=path.parent))
    return 0


# --- catalogue of actions and probes -------------------------------------------------------------
def cmd_vocabulary(args: argparse.Namespace) -> int:
    from simulateur import vocabulary

    print(vocabulary.render_json(args.kind) if args.json else vocabulary.render_text(args.kind), end="")
    if args.json:
        print()
    return 0


# --- coverage ------------------------------------------------------------------------------------
def coverage(markdown: bool) -> int:
    from simulateur import coverage as cov
    from simulateur.scenario.loader import load_catalogue

    cat = load_catalogue()
    for p in cat.problems:
        print(tr("cli.skipped", problem=p), file=sys.stderr)
    print(cov.render_markdown(cat) if markdown else cov.render_text(cat), end="")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("new", help=tr("help.authoring.new"))
    s.add_argument("id", metavar=tr("metavar.scenario_id"), help=tr("help.authoring.new.id"))
    s.add_argument("--topology", default="bureau", help=tr("help.authoring.new.topology"))
    s.add_argument("--hosts", default=None, help=tr("help.authoring.new.hosts"))
    s.add_argument(
        "-o",
        "--output",
        default=None,
        metavar=tr("metavar.dossier"),
        help=tr("help.authoring.new.o"),
    )
    s.set_defaults(func=cmd_new)

    for kind, text in (
        ("actions", N_("help.authoring.actions")),
        ("probes", N_("help.authoring.probes")),
    ):
        s = sub.add_parser(kind, help=tr(text))
        s.add_argument("--json", action="store_true")
        s.set_defaults(func=cmd_vocabulary, kind=kind)
