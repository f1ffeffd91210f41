"""The examen blanc's commands (`simulateur exam …`, `report`, `attempts`), registered by
simulateur/cli.py. Thin: each calls simulateur.exam.core, simulateur.report or exam.export."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from simulateur.clitools import jury_login as _jury_login
from simulateur.clitools import print_json as _print_json
from simulateur.clitools import root_only
from simulateur.errors import SimError, UsageError
from simulateur.exam.clicommon import exam_db as _db
from simulateur.exam.clicommon import sweep as _sweep
from simulateur.i18n import N_, tr, trn


def _clock(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 60} min {s % 60:02d} s"


def _progress(args: argparse.Namespace) -> Callable[[str], None]:
    def progress(step: str) -> None:
        if not getattr(args, "json", False):
            print(step, file=sys.stderr)

    return progress


# --- exam new / list / show --------------------------------------------------------------------
def cmd_new(args: argparse.Namespace) -> int:
    from simulateur.exam import core

    lines, where = _csv(args)
    s = core.new_session(
        count=args.count,
        minutes=args.minutes,
        seed=args.seed,
        group=args.group,
        referentiel=args.referentiel,
        ccps=args.ccp,
        competences=args.competence,
        variants=_variants(args.variant),
        roster=args.candidate,
        machine=args.machine,
        csv_lines=lines,
        csv_where=where,
        db=_db(),
    )
    if args.json:
        print(s.model_dump_json(indent=2))
        return 0
    print(
        trn(
            "exam.created",
            s.count,
            id=s.id,
            minutes=f"{s.minutes:g}",
            seed=s.seed,
            group=s.group or tr("exam.no_group"),
        )
    )
    print(trn("exam.pool", len(s.pool), pool=", ".join(s.pool)))
    for iv in s.interventions:
        print(f"  {iv.index}. {iv.title}  [{_drawn(iv)}] {', '.join(iv.competences)}")
    print(tr("exam.per_candidate"))
    if s.roster:
        print(trn("exam.roster_added", len(s.roster), id=s.id))
    if s.machines:
        print(trn("exam.pinned", len(s.machines), machine=args.machine))
    _say_seats(len(s.roster))
    print()
    print(tr("exam.next_new", id=s.id))
    return 0


def _say_seats(wanted: int) -> None:
    """More candidates than places on the lab machines now: said (on stderr), the session kept."""
    from simulateur.exam.machines import Machines

    line = Machines(_db()).over_seats(wanted) if wanted else None
    if line:
        print(f"simulateur : {line}", file=sys.stderr)


def _csv(args: argparse.Namespace) -> tuple[list[Any], str]:
    """--csv FILE: the roster's checked lines (exam/roster_csv.py), and the file's name to say."""
    from simulateur.exam import roster_csv

    path = getattr(args, "file", None)
    if path is None:
        return [], ""
    shown = getattr(args, "csv_name", None) or path
    try:
        data = Path(path).read_bytes()[: roster_csv.MAX_BYTES + 1]
    except OSError as exc:
        raise UsageError(tr("roster.unreadable", path=shown, why=exc.strerror or exc)) from None
    return roster_csv.parse(data, Path(shown).name), Path(shown).name


def _variants(pairs: list[str] | None) -> dict[str, list[str]]:
    """--variant SCENARIO=V1,V2 (repeatable): the fault variants the candidates may get."""
    out: dict[str, list[str]] = {}
    for pair in pairs or []:
        sid, sep, names = pair.partition("=")
        wanted = [v.strip() for v in names.split(",") if v.strip()]
        if not sep or not sid.strip() or not wanted:
            raise UsageError(tr("exam.bad_variant_arg", value=pair))
        out.setdefault(sid.strip(), []).extend(v for v in wanted if v not in out.get(sid.strip(), []))
    return out


def _drawn(iv: Any) -> str:
    from simulateur.exam.draw import drawn_text

    return drawn_text(iv)


def cmd_list(args: argparse.Namespace) -> int:
    db = _db()
    _sweep(db)
    sessions = db.sessions(args.group)
    if args.json:
        _print_json(
            [{**json.loads(s.model_dump_json()), "candidates": [r.candidate for r in db.runs(s.id)]} for s in sessions]
        )
        return 0
    if not sessions:
        print(tr("exam.list_empty"))
    for s in sessions:
        names = ", ".join(r.candidate for r in db.runs(s.id)) or "—"
        print(
            f"{s.id:<6} {time.strftime('%d/%m/%Y %H:%M', time.localtime(s.created))}  "
            f"{s.count} interv. {s.minutes:g} min  {tr('exam.h.group')} : {s.group or '—'}  "
            f"{tr('exam.h.candidates')} : {names}"
        )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from simulateur.exam import core
    from simulateur.exam.draw import for_candidate
    from simulateur.report.model import STATUS_LABELS

    db = _db()
    _sweep(db, args.session)
    s = core.get_session(db, args.session)
    runs = db.runs(s.id)
    where = _where(db, s.id)
    if args.json:
        _print_json(
            {
                "session": json.loads(s.model_dump_json()),
                "machines": [{**m.model_dump(), "reachable": m.reachable(), "load": n} for m, n in where.listed],
                "runs": [
                    {
                        **json.loads(r.model_dump_json()),
                        "remaining": r.remaining(),
                        "machine": where.machine(r.candidate),
                        "machine_state": where.state(r.candidate),
                        "watchdog_alive": core.watchdog_alive(r),
                        "drawn": [
                            {"index": iv.index, "scenario": iv.scenario, "seed": iv.seed, "variant": iv.variant}
                            for iv in for_candidate(s, r.candidate)
                        ],
                    }
                    for r in runs
                ],
            }
        )
        return 0
    print(
        trn(
            "exam.show_head",
            s.count,
            id=s.id,
            minutes=f"{s.minutes:g}",
            seed=s.seed,
            group=s.group or tr("exam.no_group"),
        )
    )
    for iv in s.interventions:
        print(f"  {iv.index}. {iv.title}  [{_drawn(iv)}]")
    if where.listed:
        print(tr("machines.head", list=", ".join(where.label(m, n) for m, n in where.listed)))
    if not runs:
        print(tr("exam.no_candidate", id=s.id))
    now = time.time()
    for r in runs:
        state = tr("exam.state_finished") if r.finished else tr("exam.state_running", left=_clock(r.remaining(now)))
        if r.paused is not None and not r.finished:
            state += " — " + tr("web.live.paused")
        print()
        print(f"{r.candidate} — {state}" + (f" — {where.text(r.candidate)}" if where.machine(r.candidate) else ""))
        mine = for_candidate(s, r.candidate)
        for item in r.items:
            lab = f"  {tr('exam.h.lab')} {item.lab}" if item.lab and item.status == "en_cours" else ""
            took = f"  ({_clock(item.duration)})" if item.duration is not None else ""
            print(f"  {item.index}. {STATUS_LABELS[item.status]}{took}{lab}  [{_drawn(mine[item.index - 1])}]")
    return 0


class _Where:
    """The lab machines and where a session's candidates run (exam/machines.py), for `exam show`."""

    def __init__(self, db: Any, session_id: str) -> None:
        from simulateur.exam.db import candidate_key
        from simulateur.exam.machines import Machines

        machines = Machines(db)
        self.key = candidate_key
        self.placed = {k: m for (_, k), m in machines.placements(session_id).items()}
        load = machines.load()
        self.known = {m.name: m for m in machines.all()}
        self.listed = [(m, load.get(m.name, 0)) for m in self.known.values()]

    def machine(self, candidate: str) -> str | None:
        return self.placed.get(self.key(candidate))

    def state(self, candidate: str) -> str | None:
        name = self.machine(candidate)
        if name is None:
            return None
        m = self.known.get(name)
        return "arretee" if m is None else ("joignable" if m.reachable() else "injoignable")

    def text(self, candidate: str) -> str:
        name = self.machine(candidate) or ""
        m = self.known.get(name)
        if m is None:
            return tr("machines.stopped", name=name)
        if not m.reachable():
            return tr("machines.unreachable", name=name, since=time.strftime("%H:%M", time.localtime(m.heartbeat)))
        return tr("machines.on", name=name)

    @staticmethod
    def label(m: Any, n: int) -> str:
        if not m.reachable():
            return tr("machines.one_down", name=m.name, since=time.strftime("%H:%M", time.localtime(m.heartbeat)))
        return tr("machines.one", name=m.name, n=n, capacity=m.capacity)


def _where(db: Any, session_id: str) -> _Where:
    return _Where(db, session_id)


# --- the candidate's flow ----------------------------------------------------------------------
def _announce(step: Any, session: Any, as_json: bool) -> None:
    """What the candidate needs after a step: the next ticket, or the end."""
    from simulateur.session.view import print_ticket

    run = step.run
    if as_json:
        out: dict[str, Any] = {
            "session": session.id,
            "candidate": run.candidate,
            "remaining": run.remaining(),
            "deadline": run.deadline,
            "resumed": step.resumed,
            "finished": run.finished is not None,
            "timed_out": step.timed_out,
            "ended": None if step.ended is None else step.ended.model_dump(),
            "lab": None,
            "intervention": None,
        }
        if step.started is not None:
            out["lab"] = step.started.lab.id
            out["intervention"] = step.item.index
            out["attempt"] = step.item.attempt
            out["hosts"] = step.started.lab.host_names()
        _print_json(out)
        return
    if step.ended is not None:
        key = N_("exam.ended_timeout") if step.ended.status == "temps_ecoule" else N_("exam.ended")
        print(tr(key, index=step.ended.index))
    if step.timed_out:
        print(tr("exam.timeout"))
    if step.resumed:
        print(tr("exam.resumed", candidate=run.candidate))
    if step.started is None:
        if run.finished is not None:
            print(tr("exam.all_done", candidate=run.candidate))
        return
    lab = step.started.lab
    sc = step.started.scenario
    print(
        tr(
            "exam.intervention_head",
            index=step.item.index,
            n=len(run.items),
            lab=lab.id,
            hosts=", ".join(lab.host_names()),
            left=_clock(run.remaining()),
        )
    )
    print_ticket(sc)
    print(tr("exam.next_steps", lab=lab.id, host=lab.default_host(), id=session.id, candidate=run.candidate))


def _step(args: argparse.Namespace, act: Any) -> int:
    """start, submit, end: one step of the candidate's run (`act(core, db)`), then what comes next."""
    from simulateur.exam import core

    db = _db()
    step = act(core, db)
    _announce(step, core.get_session(db, args.session), args.json)
    return 0


def _candidate(args: argparse.Namespace) -> str:
    if not args.candidate:
        raise UsageError(tr("exam.need_candidate"))
    return str(args.candidate)


@root_only
def cmd_start(args: argparse.Namespace) -> int:
    # keeper: set by `simulateur serve` (its PID), which then holds the deadline instead of a watchdog
    return _step(
        args,
        lambda core, db: core.start_candidate(
            db, args.session, _candidate(args), progress=_progress(args), keeper=getattr(args, "keeper", None)
        ),
    )


@root_only
def cmd_submit(args: argparse.Namespace) -> int:
    return _step(args, lambda core, db: core.submit(db, args.session, _candidate(args), progress=_progress(args)))


@root_only
def cmd_end(args: argparse.Namespace) -> int:
    return _step(args, lambda core, db: core.end_run(db, args.session, _candidate(args)))


def cmd_status(args: argparse.Namespace) -> int:
    """The candidate's own state: time left, the intervention in progress and its lab."""
    from simulateur.exam import core
    from simulateur.exam.db import candidate_key

    db = _db()
    _sweep(db, args.session)
    session = core.get_session(db, args.session)
    name = _candidate(args)
    if db.run(session.id, name) is None and any(candidate_key(n) == candidate_key(name) for n in session.roster):
        # on the roster, not started: said as such (never the other candidates' names)
        if args.json:
            _print_json({"session": session.id, "candidate": name, "started": False})
        else:
            print(tr("exam.not_started", candidate=name, id=session.id))
        return 0
    run = core.get_run(db, session.id, name)
    item = run.current()
    if args.json:
        out: dict[str, Any] = {
            "started": True,
            "session": session.id,
            "candidate": run.candidate,
            "remaining": run.remaining(),
            "deadline": run.deadline,
            "finished": run.finished is not None,
            "paused": run.paused is not None,
            "intervention": item.index if item else None,
            "interventions": len(run.items),
            "lab": item.lab if item else None,
        }
        if args.ticket and item is not None and item.attempt and run.finished is None:
            out.update(_ticket_of(db, item.attempt))
        _print_json(out)
        return 0
    state = tr("exam.state_finished") if run.finished else tr("exam.state_running", left=_clock(run.remaining()))
    print(tr("exam.status", candidate=run.candidate, id=session.id, state=state))
    if item is not None and item.lab and run.finished is None:
        from simulateur.lab.state import load_state

        try:
            hosts = ", ".join(load_state(item.lab).hosts)
        except SimError:
            hosts = "?"
        print(tr("exam.status_lab", index=item.index, n=len(run.items), lab=item.lab, hosts=hosts))
    return 0


def _ticket_of(db: Any, attempt_id: str) -> dict[str, Any]:
    """Her intervention's ticket as she read it at its start (the scenario as played, kept with
    the attempt) and her fiche so far: what her page shows — never the title, the grid or a value
    of the fault."""
    import contextlib
    import io

    from simulateur.session.view import print_ticket

    out: dict[str, Any] = {"fiche": db.store.fiche(attempt_id)}
    sc = db.store.scenario(attempt_id)
    if sc is None:
        return out
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        print_ticket(sc)
    out["ticket"] = text.getvalue().strip("\n")
    return out


@root_only
def cmd_expire(args: argparse.Namespace) -> int:
    """Hold a candidate's passed deadline: her lab scored as it is, then stopped — or kept frozen
    for the jury with --keep. What `simulateur serve` runs at a deadline, in a worker process of
    its own (a crash while scoring is that process's, never the service's)."""
    from simulateur.exam import core

    db = _db()
    session = core.get_session(db, args.session)
    name = _candidate(args) or ""
    if core.expire(db, session.id, name, keep=args.keep):
        print(tr("exam.expired_now", candidate=name, id=session.id))
    return 0


@root_only
def cmd_release(args: argparse.Namespace) -> int:
    """Stop the labs kept frozen for the jury at a candidate's deadline."""
    from simulateur.exam import core

    for item in core.release(_db(), args.session, _candidate(args)):
        print(tr("exam.released", lab=item.lab, index=item.index))
    return 0


def cmd_roster(args: argparse.Namespace) -> int:
    """The trainer's list of candidates (name=login) for a session."""
    from simulateur.exam import core

    db = _db()
    if args.machine is not None and not args.add:
        raise UsageError(tr("exam.machine_without_add"))
    if args.file is not None and args.add:
        raise UsageError(tr("roster.csv_and_add"))
    lines, where = _csv(args)
    if lines:
        s = core.import_roster(db, args.session, lines, where)
        if not args.json:
            print(trn("roster.imported", len(lines), id=s.id, path=where))
    else:
        s = (
            core.add_to_roster(db, args.session, args.add, args.machine)
            if args.add
            else core.get_session(db, args.session)
        )
    if args.json:
        _print_json(s.roster)
        return 0
    print(trn("exam.roster_added", len(s.roster), id=s.id))
    for name, login in s.roster.items():
        pinned = s.machine_of(name)
        extra = s.extra_of(name)
        print(
            f"  {name}"
            + (f"  ({login})" if login else "")
            + (f"  [{tr('machines.on', name=pinned)}]" if pinned else "")
            + (f"  [tiers-temps {extra}]" if extra else "")
        )
    return 0


def _by(args: argparse.Namespace) -> str:
    """Who extends or pauses (the service says: the peer's login), for the report's note."""
    import pwd

    by = getattr(args, "by", None)
    if by:
        return str(by)
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return f"#{os.geteuid()}"


def _time_verb(args: argparse.Namespace, act: Any, key: str) -> int:
    from simulateur.exam import core

    db = _db()
    run = act(core, db)
    if args.json:
        _print_json(
            {
                "session": run.session,
                "candidate": run.candidate,
                "deadline": run.deadline,
                "paused": run.paused,
                "remaining": run.remaining(),
            }
        )
        return 0
    print(
        tr(
            key,
            candidate=run.candidate,
            id=run.session,
            minutes=getattr(args, "minutes", 0),
            left=_clock(run.remaining()),
        )
    )
    return 0


def cmd_extend(args: argparse.Namespace) -> int:
    """The trainer gives a candidate N more minutes (audited, said in her report)."""
    return _time_verb(
        args,
        lambda core, db: core.extend(db, args.session, _candidate(args), args.minutes, _by(args)),
        N_("exam.extended"),
    )


def cmd_pause(args: argparse.Namespace) -> int:
    """A candidate's clock stops, her lab commands refused, until `exam resume`."""
    return _time_verb(
        args, lambda core, db: core.pause(db, args.session, _candidate(args), _by(args)), N_("exam.paused_now")
    )


def cmd_resume(args: argparse.Namespace) -> int:
    return _time_verb(
        args, lambda core, db: core.unpause(db, args.session, _candidate(args), _by(args)), N_("exam.resumed_now")
    )


@root_only
def cmd_probe(args: argparse.Namespace) -> int:
    """The probes of a candidate's intervention in progress, run now (trainer, jury; never hers)."""
    from simulateur.exam import core

    db = _db()
    run = core.get_run(db, args.session, _candidate(args))
    item = run.current()
    if item is None or item.lab is None or run.finished is not None:
        raise UsageError(tr("exam.probe_nothing", candidate=run.candidate))
    result = core.probe(item.lab)
    if args.json:
        print(result.model_dump_json(indent=2))
        return 0
    ok = sum(1 for p in result.probes if p.ok)
    print(trn("exam.probed", ok, candidate=run.candidate, index=item.index, ko=len(result.probes) - ok))
    return 0


def cmd_codes(args: argparse.Namespace) -> int:
    """A new code for the browser for each candidate (or those named): printed once, to hand on paper."""
    from simulateur.exam import core
    from simulateur.exam.accounts import Accounts
    from simulateur.exam.db import candidate_key

    db = _db()
    session = core.get_session(db, args.session)
    names = list(session.roster)
    if args.candidate:
        names = []
        for asked in args.candidate:
            name = next((n for n in session.roster if candidate_key(n) == candidate_key(asked)), None)
            if name is None:
                known = ", ".join(session.roster) or tr("exam.none")
                raise UsageError(tr("exam.not_on_roster", candidate=asked, id=session.id, known=known))
            names.append(name)
    if not names:
        raise UsageError(tr("exam.codes_no_roster", id=session.id))
    codes = Accounts(db.store).new_codes(session.id, names)
    if args.json:
        _print_json(codes)
        return 0
    print(trn("exam.codes_head", len(codes), id=session.id))
    width = max(len(n) for n in codes)
    for name, code in codes.items():
        print(f"  {name.ljust(width)}  {code}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    """What the service was asked and did: who (Unix account, role), when, what, outcome."""
    db = _db()
    rows = db.audit_log(args.session)
    if args.json:
        _print_json([r.model_dump() for r in rows])
        return 0
    if not rows:
        print(tr("exam.audit_empty"))
    for r in rows:
        who = f"{r.login} ({r.role})"
        cand = f" [{r.candidate}]" if r.candidate else ""
        print(
            f"{time.strftime('%d/%m %H:%M:%S', time.localtime(r.t))}  {who:<24} {r.verb:<12}{cand}  "
            f"{r.outcome}" + (f"  — {r.detail}" if r.detail else "")
        )
    return 0


def cmd_fiche(args: argparse.Namespace) -> int:
    from simulateur.exam import core

    values: dict[str, str] = {}
    for pair in args.set or []:
        name, sep, value = pair.partition("=")
        if not sep:
            raise UsageError(tr("exam.bad_set", value=pair))
        values[name.strip()] = value
    if args.file:
        values.update(_read_fiche(Path(args.file)))
    if not values:
        raise UsageError(tr("exam.fiche_nothing"))
    db = _db()
    _sweep(db, args.session)
    item = core.save_fiche(db, args.session, _candidate(args), values, args.intervention)
    print(tr("exam.fiche_saved", index=item.index, fields=", ".join(values)))
    return 0


def _read_fiche(path: Path) -> dict[str, str]:
    """A fiche written in a text file: `champ: texte` lines, a field's text going on until the next one."""
    from simulateur.session.store import FICHE_FIELDS

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(tr("exam.fiche_unreadable", path=path, why=exc)) from None
    out: dict[str, list[str]] = {}
    current = None
    for n, line in enumerate(lines, 1):
        head, sep, rest = line.partition(":")
        if sep and head.strip() in FICHE_FIELDS:
            current = head.strip()
            out[current] = [rest.strip()]
        elif current is not None:
            out[current].append(line)
        elif line.strip():
            raise UsageError(tr("exam.fiche_line", path=path, line=n, fields=", ".join(FICHE_FIELDS)))
    return {k: "\n".join(v).strip() for k, v in out.items()}


# --- the jury ----------------------------------------------------------------------------------
def cmd_sign(args: argparse.Namespace) -> int:
    """The jury signs a candidate's grid: frozen, no more marks nor comments."""
    from simulateur.exam import core

    db = _db()
    _sweep(db, args.session)
    sig = core.sign(db, args.session, _candidate(args), _jury_login(args))
    run = core.get_run(db, args.session, _candidate(args))
    print(
        tr(
            "exam.signed",
            candidate=run.candidate,
            id=args.session,
            by=sig.by,
            when=time.strftime(tr("fmt.datetime"), time.localtime(sig.t)),
        )
    )
    return 0


def cmd_jury(args: argparse.Namespace) -> int:
    from simulateur.exam import core
    from simulateur.scoring import VERDICT_LABELS

    db = _db()
    _sweep(db, args.session)
    if args.criterion:
        if not args.verdict:
            raise UsageError(tr("exam.jury_need_verdict"))
        index, crit = core.jury_mark(
            db,
            args.session,
            args.candidate,
            criterion=args.criterion,
            verdict=args.verdict,
            comment=args.comment or "",
            index=args.intervention,
            by=_jury_login(args),
            seen=args.seen,
        )
        print(tr("exam.jury_saved", criterion=crit, index=index, verdict=VERDICT_LABELS[args.verdict]))
        return 0
    if args.comment is not None:
        if args.intervention is None:
            raise UsageError(tr("exam.jury_comment_where"))
        item = core.jury_comment(db, args.session, args.candidate, args.intervention, args.comment)
        print(tr("exam.jury_comment_saved", index=item.index))
        return 0
    sheet = core.jury_sheet(db, args.session, args.candidate)
    if args.json:
        _print_json(
            [
                {
                    "intervention": s.item.index,
                    "title": s.title,
                    "status": s.item.status,
                    "comment": s.item.comment,
                    "criteria": [
                        {
                            "id": c.id,
                            "label": c.label,
                            "competence": c.competence,
                            "observe": list(c.observe),
                            "required": c.required,
                            "automatic_part": c.automatic_part,
                            "verdict": s.marks[c.id].verdict if c.id in s.marks else None,
                            "comment": s.marks[c.id].comment if c.id in s.marks else "",
                            "by": s.marks[c.id].by if c.id in s.marks else "",
                            "version": s.marks[c.id].version if c.id in s.marks else "",
                        }
                        for c in s.criteria
                    ],
                }
                for s in sheet
            ]
        )
        return 0
    if not sheet:
        print(tr("exam.jury_nothing", candidate=args.candidate))
        return 0
    for s in sheet:
        print(tr("exam.jury_head", index=s.item.index, title=s.title))
        for required in (True, False):
            crits = [c for c in s.criteria if c.required is required]
            if not crits:
                continue
            print("  " + (tr("exam.jury_required") if required else tr("exam.jury_optional")))
            for c in crits:
                mark = s.marks.get(c.id)
                box = f"[{VERDICT_LABELS[mark.verdict]}]" if mark else "[ ]"
                print(f"    {box} {c.id}  {c.label}")
                for o in c.observe:
                    print(f"          {tr('exam.jury_observe')} {o}")
                if c.automatic_part:
                    print(f"          {tr('exam.jury_auto_part')}")
                if mark and mark.comment:
                    print(f"          « {mark.comment} »")
        if s.item.comment:
            print(f"  {tr('exam.h.comment')} : {s.item.comment}")
        print()
    print(tr("exam.jury_how", id=args.session, candidate=args.candidate))
    return 0


# --- report and attempts ------------------------------------------------------------------------
def cmd_report(args: argparse.Namespace) -> int:
    from simulateur import report
    from simulateur.report.model import attempt_report, exam_report

    db = _db()
    if getattr(args, "all", False):
        return _report_all(args, db)
    session = db.session(args.id)
    if session is not None:
        _sweep(db, session.id)
        names = [r.candidate for r in db.runs(session.id)]
        candidate = args.candidate
        if candidate is None:
            if len(names) != 1:
                raise UsageError(tr("report.which_candidate", id=session.id, known=", ".join(names) or tr("exam.none")))
            candidate = names[0]
        rep = exam_report(session.id, candidate, db)
    else:
        _sweep(db)
        rep = attempt_report(args.id, db.store)
    if args.output is None:
        sys.stdout.write(report.render(rep, args.format))
        return 0
    path = report.write(rep, args.format, Path(args.output))
    print(tr("report.written", path=path, format=args.format))
    return 0


def _report_all(args: argparse.Namespace, db: Any) -> int:
    """report SESSION --all -o FILE.zip: every candidate's report, HTML and PDF, in one zip."""
    from simulateur.report.bundle import session_bundle

    if args.candidate is not None:
        raise UsageError(tr("report.all_with_candidate"))
    if args.output is None:
        raise UsageError(tr("report.all_need_output"))
    if db.session(args.id) is None:
        raise UsageError(tr("report.all_not_session"))
    _sweep(db, args.id)
    bundle = session_bundle(args.id, db)
    pdf = tr("report.all_pdf") if bundle.pdf and not bundle.problem else ""
    if bundle.problem:
        pdf = tr("report.all_no_pdf", why=bundle.problem)
    if args.output == "-":  # on our output (the service writes so on the client's own file)
        sys.stdout.flush()
        sys.stdout.buffer.write(bundle.data)
        sys.stdout.buffer.flush()
        print(trn("report.all_written", len(bundle.html), path="-", pdf=pdf), file=sys.stderr)
        return 0
    path = Path(args.output)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(bundle.data)
    os.replace(tmp, path)
    print(trn("report.all_written", len(bundle.html), path=path, pdf=pdf))
    return 0


def cmd_attempts(args: argparse.Namespace) -> int:
    from simulateur.exam import export

    db = _db()
    _sweep(db)
    data = export.rows(db, group=args.group, candidate=args.candidate, session=args.session)
    if args.csv:
        if args.output is None:
            raise UsageError(tr("attempts.need_output"))
        if args.output == "-":  # on our output (the service writes so on the client's own file)
            sys.stdout.write(export.csv_text(data))
            return 0
        path = export.write_csv(Path(args.output), data)
        print(trn("attempts.exported", len(data), path=path))
        return 0
    if args.json:
        _print_json([dict(zip(export.COLUMNS, export.values(r))) for r in data])
        return 0
    if not data:
        print(tr("attempts.none"))
    for r in data:
        score = f"{r.acquis}/{r.evalues}" + (f" +{r.jury} jury" if r.jury else "") if r.evalues is not None else "—"
        where = f"{r.session} n°{r.intervention}" if r.session else r.mode
        print(
            f"{export.stamp(r.started) or '—':<19}  {r.candidate or '—':<18} {where:<14} {r.scenario:<28} "
            f"{r.status:<22} {score}"
        )
    return 0


# --- registration ------------------------------------------------------------------------------
def register(sub: Any) -> None:
    """Add `exam`, `report` and `attempts` to simulateur's sub-command parser."""
    from simulateur.exam.models import DEFAULT_COUNT, DEFAULT_MINUTES

    e = sub.add_parser("exam", help=tr("help.exam.exam"))
    esub = e.add_subparsers(dest="exam_command", metavar=tr("metavar.action"), parser_class=type(e))
    e.set_defaults(func=lambda _args: (e.print_help(), 2)[1])  # `simulateur exam` alone: its actions

    s = esub.add_parser("new", help=tr("help.exam.new"))
    s.add_argument("--count", type=int, default=DEFAULT_COUNT, help=tr("help.exam.new.count", default=DEFAULT_COUNT))
    s.add_argument(
        "--minutes",
        type=float,
        default=DEFAULT_MINUTES,
        help=tr("help.exam.new.minutes", default=f"{DEFAULT_MINUTES:g}"),
    )
    s.add_argument("--referentiel", default=None, help=tr("help.exam.new.referentiel"))
    s.add_argument("--ccp", action="append", default=[], help=tr("help.exam.new.ccp"))
    s.add_argument("--competence", action="append", default=[], help=tr("help.exam.new.competence"))
    s.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar=tr("metavar.scenario_variante_variante"),
        help=tr("help.exam.new.variant"),
    )
    s.add_argument(
        "--seed",
        type=int,
        default=None,
        help=tr("help.exam.new.seed"),
    )
    s.add_argument("--group", default=None, help=tr("help.exam.new.group"))
    s.add_argument(
        "--candidate",
        action="append",
        default=[],
        metavar=tr("metavar.nom_login"),
        help=tr("help.exam.new.candidate"),
    )
    s.add_argument(
        "--machine",
        default=None,
        metavar=tr("metavar.nom"),
        help=tr("help.exam.new.machine"),
    )
    s.add_argument(
        "--csv",
        dest="file",
        default=None,
        metavar=tr("metavar.fichier"),
        help=tr("help.exam.new.csv"),
    )
    s.add_argument("--csv-name", default=None, help=argparse.SUPPRESS)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_new)

    s = esub.add_parser("list", help=tr("help.exam.list"))
    s.add_argument("--group", default=None)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_list)

    s = esub.add_parser("show", help=tr("help.exam.show"))
    s.add_argument("session", metavar=tr("metavar.session"))
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_show)

    for verb, func, text in (
        (
            "start",
            cmd_start,
            N_("help.exam.start"),
        ),
        ("submit", cmd_submit, N_("help.exam.submit")),
        ("end", cmd_end, N_("help.exam.end")),
    ):
        s = esub.add_parser(verb, help=tr(text))
        s.add_argument("session", metavar=tr("metavar.session"))
        s.add_argument("--candidate", default=None, help=tr("help.exam.show.candidate"))
        s.add_argument("--json", action="store_true")
        s.set_defaults(func=func)

    s = esub.add_parser("status", help=tr("help.exam.status"))
    s.add_argument("session", metavar=tr("metavar.session"))
    s.add_argument("--candidate", default=None, help=tr("help.exam.status.candidate"))
    s.add_argument("--json", action="store_true")
    s.add_argument("--ticket", action="store_true", help=tr("help.exam.status.ticket"))
    s.set_defaults(func=cmd_status)

    s = esub.add_parser("roster", help=tr("help.exam.roster"))
    s.add_argument("session", metavar=tr("metavar.session"))
    s.add_argument(
        "--add",
        action="append",
        default=[],
        metavar=tr("metavar.nom_login"),
        help=tr("help.exam.roster.add"),
    )
    s.add_argument(
        "--machine",
        default=None,
        metavar=tr("metavar.nom"),
        help=tr("help.exam.roster.machine"),
    )
    s.add_argument(
        "--csv",
        dest="file",
        default=None,
        metavar=tr("metavar.fichier"),
        help=tr("help.exam.roster.csv"),
    )
    s.add_argument("--csv-name", default=None, help=argparse.SUPPRESS)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_roster)

    for verb, func, text in (
        ("extend", cmd_extend, N_("help.exam.extend")),
        ("pause", cmd_pause, N_("help.exam.pause")),
        ("resume", cmd_resume, N_("help.exam.resume")),
        ("probe", cmd_probe, N_("help.exam.probe")),
    ):
        s = esub.add_parser(verb, help=tr(text))
        s.add_argument("session", metavar=tr("metavar.session"))
        s.add_argument("--candidate", required=True, help=tr("help.exam.roster.candidate"))
        if verb == "extend":
            s.add_argument("--minutes", type=int, required=True, help=tr("help.exam.roster.minutes"))
        s.add_argument("--json", action="store_true")
        s.set_defaults(func=func)

    s = esub.add_parser("codes", help=tr("help.exam.codes"))
    s.add_argument("session", metavar=tr("metavar.session"))
    s.add_argument(
        "--candidate",
        action="append",
        default=[],
        metavar=tr("metavar.nom"),
        help=tr("help.exam.codes.candidate"),
    )
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_codes)

    s = esub.add_parser("expire", help=tr("help.exam.expire"))
    s.add_argument("session", metavar=tr("metavar.session"))
    s.add_argument("--candidate", required=True, help=tr("help.exam.expire.candidate"))
    s.add_argument("--keep", action="store_true", help=tr("help.exam.expire.keep"))
    s.set_defaults(func=cmd_expire)

    s = esub.add_parser("release", help=tr("help.exam.release"))
    s.add_argument("session", metavar=tr("metavar.session"))
    s.add_argument("--candidate", default=None, help=tr("help.exam.release.candidate"))
    s.set_defaults(func=cmd_release)

    s = esub.add_parser("audit", help=tr("help.exam.audit"))
    s.add_argument("session", metavar=tr("metavar.session"), nargs="?", default=None)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_audit)

    s = esub.add_parser("fiche", help=tr("help.exam.fiche"))
    s.add_argument("session", metavar=tr("metavar.session"))
    s.add_argument("--candidate", default=None, help=tr("help.exam.fiche.candidate"))
    s.add_argument("--intervention", type=int, default=None, help=tr("help.exam.fiche.intervention"))
    s.add_argument(
        "--set",
        action="append",
        metavar=tr("metavar.champ_texte"),
        help=tr("help.exam.fiche.set"),
    )
    s.add_argument("--file", default=None, help=tr("help.exam.fiche.file"))
    s.set_defaults(func=cmd_fiche)

    s = esub.add_parser("jury", help=tr("help.exam.jury"))
    s.add_argument("session", metavar=tr("metavar.session"))
    s.add_argument("--candidate", required=True)
    s.add_argument("--intervention", type=int, default=None, help=tr("help.exam.jury.intervention"))
    s.add_argument("--criterion", default=None, help=tr("help.exam.jury.criterion"))
    s.add_argument("--verdict", choices=("acquis", "non_acquis"), default=None)
    s.add_argument(
        "--comment",
        default=None,
        help=tr("help.exam.jury.comment"),
    )
    s.add_argument(
        "--seen",
        default=None,
        metavar=tr("metavar.version"),
        help=tr("help.exam.jury.seen"),
    )
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_jury)

    from simulateur.entretien.cli import register as register_entretien

    register_entretien(esub)  # exam entretien: the entretien technique's guide and marks

    from simulateur.quiz.examcli import register as register_exam_quiz

    register_exam_quiz(esub)  # exam quiz…: a candidate's questionnaire professionnel, the jury's marks

    s = esub.add_parser("sign", help=tr("help.exam.sign"))
    s.add_argument("session", metavar=tr("metavar.session"))
    s.add_argument("--candidate", required=True)
    s.set_defaults(func=cmd_sign)

    s = sub.add_parser("report", help=tr("help.exam.report"))
    s.add_argument("id", metavar=tr("metavar.tentative_ou_session"))
    s.add_argument("--candidate", default=None, help=tr("help.exam.report.candidate"))
    s.add_argument("--format", choices=("html", "json", "md"), default="html")
    s.add_argument("-o", "--output", default=None, metavar=tr("metavar.fichier"), help=tr("help.exam.report.o"))
    s.add_argument(
        "--all",
        action="store_true",
        help=tr("help.exam.report.all"),
    )
    s.set_defaults(func=cmd_report)

    s = sub.add_parser("attempts", help=tr("help.exam.attempts"))
    s.add_argument("--group", default=None, help=tr("help.exam.attempts.group"))
    s.add_argument("--candidate", default=None)
    s.add_argument("--session", default=None)
    s.add_argument("--csv", action="store_true", help=tr("help.exam.attempts.csv"))
    s.add_argument("-o", "--output", default=None, metavar=tr("metavar.fichier"))
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_attempts)
