"""The scriptable command line. Thin: every command calls the core (session/, lab/, scenario/)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from simulateur import referentiel
from simulateur.clitools import print_json as _print_json
from simulateur.clitools import require_root, root_only
from simulateur.errors import ScenarioError, SimError, UsageError
from simulateur.i18n import N_, argparse_fr, tr, trn


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one French line, exit 2 (argparse's words: simulateur.i18n)
        message = " ".join(message.split("\n"))  # a value with a line break stays on one line
        self.exit(2, tr("cli.arg.error", message=message))


def cmd_list(args: argparse.Namespace) -> int:
    from simulateur.scenario.loader import load_catalogue

    cat = load_catalogue()
    rows: list[dict[str, Any]] = [
        {
            "id": l.scenario.id,
            "title": l.scenario.title,
            "referentiel": l.scenario.referentiel,
            "competences": l.scenario.competences,
            "level": l.scenario.level,
            "duration": l.scenario.duration,
            "topology": l.scenario.topology,
            "user": l.user,
        }
        for l in cat.scenarios.values()
    ]
    if args.json:
        _print_json({"scenarios": rows, "errors": cat.problems})
    else:
        if not rows:
            print(tr("cli.list_empty"))
        width = max([20] + [len(", ".join(r["competences"])) for r in rows])
        for r in rows:
            print(
                f"{r['id']:<28} niv. {r['level']}  {r['duration']:>3} min  {', '.join(r['competences']):<{width}} "
                f"{r['title']}" + (tr("cli.list_user") if r["user"] else "")
            )
        for p in cat.problems:
            print(tr("cli.skipped", problem=p), file=sys.stderr)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from simulateur.authoring import validate

    return validate(args.paths)


def cmd_schema(args: argparse.Namespace) -> int:
    from simulateur.lab.topology import Topology
    from simulateur.scenario.models import Scenario

    model = Topology if args.topology else Scenario
    schema = model.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    _print_json(schema)
    return 0


def cmd_referentiel(args: argparse.Namespace) -> int:
    if args.coverage:
        from simulateur.authoring import coverage

        return coverage(args.markdown)
    refs = referentiel.load_referentiels()
    print(referentiel.to_json(refs) if args.json else referentiel.render_text(refs))
    return 0


@root_only
def cmd_start(args: argparse.Namespace) -> int:
    from simulateur.scenario.loader import find_scenario
    from simulateur.session.run import start
    from simulateur.session.view import print_ticket, start_view
    from simulateur.vm.backend import accel_info as vm_accel_info  # {VM host: "kvm" | "tcg"}

    def progress(step: str) -> None:
        if not args.json:
            print(step, file=sys.stderr)

    started = start(args.scenario, args.seed, candidate=args.candidate, progress=progress, variant=args.variant)
    lab, sc = started.lab, started.scenario
    raw = find_scenario(args.scenario).scenario
    # The trainee's view: the ticket, never the variant, the drawn fault values nor the expected
    # qualification (session.view); --formateur adds them.
    out = start_view(
        sc,
        raw,
        lab.params,
        lab=lab.id,
        seed=lab.state.seed,
        hosts=lab.host_names(),
        attempt=started.attempt.dir.name if started.attempt else None,
        vm_accel=vm_accel_info(lab.state),
        formateur=args.formateur,
    )
    if args.json:
        _print_json(out)
    else:
        print(tr("cli.started", lab=lab.id, title=sc.title, seed=lab.state.seed, hosts=", ".join(lab.host_names())))
        print_ticket(sc)
        if args.formateur:
            print_trainer_view(out)
        print(tr("cli.next_steps", lab=lab.id, host=lab.default_host()))
    return 0


def print_trainer_view(out: dict) -> None:
    """The trainer's part of `start --formateur`: variant, expected qualification, drawn values."""
    print(tr("cli.trainer_variant", variant=out["variant"] or "—", summary=out["variant_summary"] or ""))
    expected = ", ".join(f"{k} {v}" for k, v in out["expected"].items())
    print(tr("cli.trainer_expected", expected=expected))
    print(tr("cli.trainer_params", params=", ".join(f"{k}={v}" for k, v in sorted(out["params"].items()))))
    print()


@root_only
def cmd_shell(args: argparse.Namespace) -> int:
    from simulateur.session.run import interactive_shell, open_attempt

    lab, _, attempt = open_attempt(args.lab)
    host = args.host or lab.default_host()
    lab.host(host)
    print(tr("cli.shell_banner", host=host, lab=lab.id), file=sys.stderr)
    code = interactive_shell(lab, host, attempt.journal, attempt.dir)
    print(tr("cli.shell_back", host=host), file=sys.stderr)
    return code


@root_only
def cmd_exec(args: argparse.Namespace) -> int:
    from simulateur.session.run import exec_command, open_attempt

    argv = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not argv:
        raise UsageError(tr("cli.exec_no_command"))
    lab, _, attempt = open_attempt(args.lab)
    return exec_command(lab, args.host, argv, attempt.journal)


def cmd_replay(args: argparse.Namespace) -> int:
    from simulateur.journal import replay

    if args.list:
        print("\n".join(replay.list_lines(args.attempt)))
        return 0
    return replay.replay(args.attempt, args.host, args.speed, args.session)


@root_only
def cmd_qualify(args: argparse.Namespace) -> int:
    from simulateur.session.run import open_attempt
    from simulateur.ticket import PRIORITY_LABELS, priority

    _, _, attempt = open_attempt(args.lab)
    q = attempt.qualify(args.impact, args.urgency)
    print(tr("cli.qualified", priority=PRIORITY_LABELS[priority(q.impact, q.urgency)]))
    return 0


@root_only
def cmd_cable(args: argparse.Namespace) -> int:
    from simulateur.session.cabling import run

    print(run(args.lab, args.host, args.iface, args.plug, args.unplug))
    return 0


@root_only
def cmd_escalate(args: argparse.Namespace) -> int:
    from simulateur.session.run import open_attempt

    _, _, attempt = open_attempt(args.lab)
    esc = attempt.escalate(args.to, args.reason, args.done or "")
    print(tr("cli.escalated", to=tr(f"tui.escalade.to.{esc.to}")))
    return 0


@root_only
def cmd_check(args: argparse.Namespace) -> int:
    from simulateur.exam.core import refuse_check_in_exam
    from simulateur.exam.db import ExamDB
    from simulateur.scoring import render_grid
    from simulateur.session.run import check

    refuse_check_in_exam(ExamDB(), args.lab)  # an exam's lab: the grid is the jury's
    result, scenario = check(args.lab)
    if args.json:
        print(result.model_dump_json(indent=2))
    else:
        print(render_grid(result, scenario.title))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    if os.geteuid() != 0:
        raise SimError(tr("serve.need_root"), exit_code=2)
    from simulateur.serve.service import run

    if args.capacity is not None and not 1 <= args.capacity <= 1000:
        raise UsageError(tr("serve.bad_capacity", max=1000))
    listen = None
    if args.api is not None and args.web is not None:
        raise UsageError(tr("api.api_or_web"))
    if args.api is not None or args.web is not None:
        from simulateur.serve.api import parse_listen

        listen = parse_listen(args.web or args.api, args.tls_cert, args.tls_key, web=args.web is not None)
    elif args.tls_cert or args.tls_key:
        raise UsageError(tr("api.tls_without_api"))
    return run(name=args.name, capacity=args.capacity, api=listen)


@root_only
def cmd_stop(args: argparse.Namespace) -> int:
    from simulateur.session.run import stop

    removed = stop(args.lab)
    print(tr("cli.stopped", lab=args.lab, processes=removed["processes"], namespaces=removed["namespaces"]))
    return 0


@root_only
def cmd_clean(args: argparse.Namespace) -> int:
    from simulateur.lab import reaper
    from simulateur.lab.state import global_lock, list_lab_ids

    with global_lock():
        labs = reaper.dead_labs()
        if args.all:
            labs = sorted(set(labs) | set(list_lab_ids()) | set(reaper._namespaces_by_lab()))
        report = reaper.reap(labs)
    if not report:
        print(tr("cli.clean_nothing"))
    for lab_id, removed in report.items():
        print(tr("cli.cleaned", lab=lab_id, processes=removed["processes"], namespaces=removed["namespaces"]))
    return 0


@root_only
def cmd_routes(args: argparse.Namespace) -> int:
    from simulateur.scenario.loader import find_scenario, load_catalogue
    from simulateur.session.routes import load_routes, routes_path, run_route

    if args.scenarios:
        loaded = [find_scenario(s) for s in args.scenarios]
    else:
        loaded = [sc for sc in load_catalogue().scenarios.values() if routes_path(sc).exists()]
    failures = total = 0
    for item in loaded:
        path = routes_path(item)
        if not path.exists():
            raise UsageError(tr("routes.no_file", id=item.scenario.id, path=path))
        rf = load_routes(path, item)
        chosen = [r for r in rf.routes if args.route in (None, r.name)]
        if not chosen:
            raise UsageError(
                tr("routes.unknown_route", name=args.route, path=path, known=", ".join(r.name for r in rf.routes))
            )
        for route in chosen:
            rep = run_route(item, rf, route)
            total += 1
            print(
                tr(
                    "routes.line",
                    status=tr("cli.status.ok") if rep.ok else tr("cli.status.failed"),
                    scenario=rep.scenario,
                    route=rep.route,
                    kind=(tr("routes.kind_valid") if rep.valid else tr("routes.kind_wrong")),
                    seconds=rep.seconds,
                ),
                flush=True,
            )
            if not rep.ok:
                print(rep.explain())
            failures += not rep.ok
    print(trn("routes.summary", total, ok=total - failures))
    return 1 if failures else 0


@root_only
def cmd_selftest(args: argparse.Namespace) -> int:
    from simulateur.scenario.loader import find_scenario, load_catalogue, load_scenario
    from simulateur.session.selftest import plan, selftest

    if args.scenarios:
        from simulateur.authoring import is_file

        loaded = [
            load_scenario(Path(s)) if s.endswith((".yaml", ".yml")) or is_file(s) else find_scenario(s)
            for s in args.scenarios
        ]
    else:
        cat = load_catalogue()
        for p in cat.problems:
            print(p, file=sys.stderr)
        if cat.problems:
            return 1
        loaded = list(cat.scenarios.values())
    try:
        seeds = [int(s) for s in args.seeds.split(",")]
    except ValueError:
        raise UsageError(tr("cli.bad_seeds", seeds=args.seeds)) from None
    failures = total = 0
    for item in loaded:
        for seed, variant in plan(item, seeds):
            rep = selftest(item, seed, variant)
            total += 1
            status = tr("cli.status.ok") if rep.ok else tr("cli.status.failed")
            shown = tr("cli.selftest_variant", variant=variant) if variant else ""
            print(
                tr(
                    "cli.selftest_line",
                    status=status,
                    scenario=rep.scenario,
                    seed=seed,
                    variant=shown,
                    seconds=rep.seconds,
                ),
                flush=True,
            )
            for p in rep.problems:
                print(f"      {p}")
            failures += not rep.ok
    print(trn("cli.selftest_summary", total, ok=total - failures))
    return 1 if failures else 0


# --- parser ------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    argparse_fr()
    p = _Parser(prog="simulateur", description=tr("cli.description"))
    p.add_argument(
        "--scenarios",
        dest="user_scenarios",
        metavar=tr("metavar.dossier"),
        default=None,
        help=tr("help.main.p.scenarios"),
    )
    p.add_argument(
        "--store",
        metavar=tr("metavar.url"),
        default=None,
        help=tr("help.main.p.store"),
    )
    sub = p.add_subparsers(dest="command", metavar=tr("metavar.commande"), parser_class=_Parser)

    s = sub.add_parser("list", help=tr("help.main.list"))
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_list)

    s = sub.add_parser("validate", help=tr("help.main.validate"))
    s.add_argument("paths", nargs="*", metavar=tr("metavar.fichier"))
    s.set_defaults(func=cmd_validate)

    s = sub.add_parser("schema", help=tr("help.main.schema"))
    s.add_argument("--topology", action="store_true", help=tr("help.main.schema.topology"))
    s.set_defaults(func=cmd_schema)

    s = sub.add_parser("referentiel", help=tr("help.main.referentiel"))
    s.add_argument("--json", action="store_true")
    s.add_argument("--coverage", action="store_true", help=tr("help.main.referentiel.coverage"))
    s.add_argument("--markdown", action="store_true", help=tr("help.main.referentiel.markdown"))
    s.set_defaults(func=cmd_referentiel)

    s = sub.add_parser("start", help=tr("help.main.start"))
    s.add_argument("scenario", metavar=tr("metavar.scenario"))
    s.add_argument("--seed", type=int, default=None, help=tr("help.main.start.seed"))
    s.add_argument("--candidate", default=None, help=tr("help.main.start.candidate"))
    s.add_argument("--variant", default=None, help=tr("help.main.start.variant"))
    s.add_argument(
        "--formateur",
        action="store_true",
        help=tr("help.main.start.formateur"),
    )
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_start)

    s = sub.add_parser("shell", help=tr("help.main.shell"))
    s.add_argument("lab", metavar=tr("metavar.lab"))
    s.add_argument("host", nargs="?", default=None, metavar=tr("metavar.hote"), help=tr("help.main.shell.host"))
    s.set_defaults(func=cmd_shell)

    s = sub.add_parser(
        "exec",
        help=tr("help.main.exec"),
        description=tr("cli.exec_description"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    s.add_argument("lab", metavar=tr("metavar.lab"))
    s.add_argument("host", metavar=tr("metavar.hote"))
    s.add_argument(
        "command",
        nargs=argparse.REMAINDER,
        metavar=tr("metavar.dash_commande"),
        help=tr("help.main.exec.command"),
    )
    s.set_defaults(func=cmd_exec)

    s = sub.add_parser("replay", help=tr("help.main.replay"))
    s.add_argument("attempt", metavar=tr("metavar.tentative"), help=tr("help.main.replay.attempt"))
    s.add_argument("--host", default=None, metavar=tr("metavar.hote"), help=tr("help.main.replay.host"))
    s.add_argument("--session", type=int, default=None, metavar=tr("metavar.n"), help=tr("help.main.replay.session"))
    s.add_argument("--speed", type=float, default=1.0, metavar=tr("metavar.x"), help=tr("help.main.replay.speed"))
    s.add_argument("--list", action="store_true", help=tr("help.main.replay.list"))
    s.set_defaults(func=cmd_replay)

    s = sub.add_parser("qualify", help=tr("help.main.qualify"))
    s.add_argument("lab", metavar=tr("metavar.lab"))
    s.add_argument("--impact", required=True, help=tr("help.main.qualify.impact"))
    s.add_argument("--urgency", required=True, help=tr("help.main.qualify.urgency"))
    s.set_defaults(func=cmd_qualify)

    s = sub.add_parser("escalate", help=tr("help.main.escalate"))
    s.add_argument("lab", metavar=tr("metavar.lab"))
    s.add_argument("--to", required=True, help=tr("help.main.escalate.to"))
    s.add_argument("--reason", required=True, help=tr("help.main.escalate.reason"))
    s.add_argument("--done", default=None, help=tr("help.main.escalate.done"))
    s.set_defaults(func=cmd_escalate)

    s = sub.add_parser("cable", help=tr("help.main.cable"))
    s.add_argument("lab", metavar=tr("metavar.lab"))
    s.add_argument("host", metavar=tr("cli.metavar.host"))
    s.add_argument("--iface", default="eth0", help=tr("help.main.cable.iface"))
    g = s.add_mutually_exclusive_group()
    g.add_argument("--plug", metavar=tr("metavar.commutateur"), default=None, help=tr("help.main.g.plug"))
    g.add_argument("--unplug", action="store_true", help=tr("help.main.g.unplug"))
    s.set_defaults(func=cmd_cable)

    s = sub.add_parser("check", help=tr("help.main.check"))
    s.add_argument("lab", metavar=tr("metavar.lab"))
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("stop", help=tr("help.main.stop"))
    s.add_argument("lab", metavar=tr("metavar.lab"))
    s.set_defaults(func=cmd_stop)

    s = sub.add_parser("clean", help=tr("help.main.clean"))
    s.add_argument("--all", action="store_true", help=tr("help.main.clean.all"))
    s.set_defaults(func=cmd_clean)

    s = sub.add_parser("selftest", help=tr("help.main.selftest"))
    s.add_argument("scenarios", nargs="*", metavar=tr("metavar.scenario"))
    s.add_argument("--seeds", default="1,2,3", help=tr("help.main.selftest.seeds"))
    s.set_defaults(func=cmd_selftest)

    s = sub.add_parser(
        "routes",
        help=tr("help.main.routes"),
    )
    s.add_argument("scenarios", nargs="*", metavar=tr("metavar.scenario"), help=tr("help.main.routes.scenarios"))
    s.add_argument("--route", default=None, metavar=tr("metavar.nom"), help=tr("help.main.routes.route"))
    s.set_defaults(func=cmd_routes)

    s = sub.add_parser("serve", help=tr("help.main.serve"))
    s.add_argument("--name", default=None, metavar=tr("metavar.nom"), help=tr("help.main.serve.name"))
    s.add_argument(
        "--capacity",
        type=int,
        default=None,
        metavar=tr("metavar.n"),
        help=tr("help.main.serve.capacity"),
    )
    s.add_argument(
        "--api",
        default=None,
        metavar=tr("metavar.adresse_port"),
        help=tr("help.main.serve.api"),
    )
    s.add_argument(
        "--web",
        default=None,
        metavar=tr("metavar.adresse_port"),
        help=tr("help.main.serve.web"),
    )
    s.add_argument("--tls-cert", default=None, metavar=tr("metavar.fichier"), help=tr("help.main.serve.tls_cert"))
    s.add_argument("--tls-key", default=None, metavar=tr("metavar.fichier"), help=tr("help.main.serve.tls_key"))
    s.set_defaults(func=cmd_serve)

    from simulateur.serve.cli import register as register_serve_cli

    register_serve_cli(sub)  # account (root), login/logout (a station of the room's network)

    from simulateur.exam.cli import register as register_exam

    register_exam(sub)  # exam (examen blanc), report, attempts: the trainer's commands

    from simulateur.quiz.cli import register as register_quiz

    register_quiz(sub)  # quiz: the questionnaire professionnel

    from simulateur.entretien.cli import register_bank as register_entretien_bank

    register_entretien_bank(sub)  # entretien: the entretien technique's question bank

    from simulateur.session.savecli import register as register_save

    register_save(sub)  # lab save/restore/saves, inject: a prepared lab kept, the jury's faults put in it

    from simulateur.cahier.cli import register as register_cahier

    register_cahier(sub)  # cahier: the phase préparatoire's cahiers des charges

    from simulateur.epreuve.cli import register as register_epreuve

    register_epreuve(sub)  # epreuve: the épreuve blanche complète (formats, chained phases, planner, grid)

    from simulateur.authoring import add_parsers

    add_parsers(sub)  # new, actions, probes: the trainer's authoring commands
    return p


def _run_app() -> int:
    """`simulateur` with no command on a terminal: the app (simulateur.tui) as root; for an
    ordinary account logged in to a centre's service, the candidate's app (tui/candidate.py)."""
    if os.geteuid() != 0:
        from simulateur.tui import candidate

        return _said(candidate.run)
    from simulateur.tui import run

    try:
        return run()
    except SimError as exc:  # the store cannot be opened (--store, SIMULATEUR_STORE)
        print(f"simulateur : {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(tr("cli.interrupted"), file=sys.stderr)
        return 130


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    if args.user_scenarios:  # the trainer's folder, for this process and the ones it starts
        os.environ["SIMULATEUR_SCENARIOS"] = args.user_scenarios
    if args.store:  # the store, for this process and the ones it starts (an exam's watchdog)
        from simulateur.store import normalize

        try:
            normalize(args.store)
        except SimError as exc:
            print(f"simulateur : {exc}", file=sys.stderr)
            return exc.exit_code
        os.environ["SIMULATEUR_STORE"] = args.store
    if not getattr(args, "func", None):
        if sys.stdin.isatty() and sys.stdout.isatty():
            return _run_app()
        args = parser.parse_args(["list"])  # not a terminal (pipe, script): the list instead
    if os.geteuid() != 0:
        from simulateur.serve.client import forward, forwarded

        if forwarded(args):  # an exam's command, not root: asked of `simulateur serve` (roles by account)
            from simulateur.serve import remote

            conf = remote.saved()  # logged in to a centre's service on the network: asked of it
            if conf is not None:
                return _said(lambda: remote.forward(argv, args, conf))
            return _said(lambda: forward(argv, args))
    return dispatch(args)


def dispatch(args: argparse.Namespace) -> int:
    """Run a parsed command: its exit status, a SimError said in French on one line."""
    if args.user_scenarios:  # the trainer's folder, for this process and the ones it starts
        os.environ["SIMULATEUR_SCENARIOS"] = args.user_scenarios
    return _said(lambda: _run(args))


def _run(args: argparse.Namespace) -> int:
    if getattr(args.func, "root_only", False):
        require_root()
    return int(args.func(args))


def _said(call: Any) -> int:
    try:
        return int(call())
    except SimError as exc:
        for line in str(exc).splitlines() or [str(exc)]:
            print(f"simulateur : {line}" if not isinstance(exc, ScenarioError) else line, file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(tr("cli.interrupted"), file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


# Keys built at run time above (tr(f"…{…}")), written out for the catalogue's extractor.
RUNTIME_KEYS = (
    N_("tui.escalade.to.niveau2"),
    N_("tui.escalade.to.prestataire"),
    N_("tui.escalade.to.reseau"),
    N_("tui.escalade.to.responsable"),
)
