"""The app: screens, the attempt being run, quitting cleanly. Each screen lives in screens/."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.message import Message
from textual.reactive import var
from textual.screen import Screen
from textual.theme import Theme, ThemeProvider
from textual.worker import Worker

from simulateur.i18n import tr, trn
from simulateur.scenario.loader import Catalogue, load_catalogue
from simulateur.session.run import Started
from simulateur.session.store import TRAINING_MODES, ScoreRecord, Store, reap_orphans
from simulateur.tui import settings as settings_file
from simulateur.tui.context import Running
from simulateur.tui.screens.catalogue import CatalogueScreen
from simulateur.tui.screens.dialogs import ConfirmScreen, HelpScreen
from simulateur.tui.workers import ended

T = TypeVar("T")


class TraineeChanged(Message):
    """Posted to the current screen when the trainee at the keyboard changed."""


#: High contrast: white on black, a saturated yellow for the accent and focus, pure red and green;
#: every state keeps its symbol or word beside its colour (✓ ✗ ? ● ○ ⏳).
HIGH_CONTRAST = Theme(
    name="simulateur-contraste",
    dark=True,
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#FFFF00",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1A1A1A",
    boost="#FFFFFF",
    warning="#FFB000",
    error="#FF4040",
    success="#00FF00",
    variables={
        "text-muted": "#E0E0E0",
        "border": "#FFFFFF",
        "footer-key-foreground": "#FFFF00",
        "block-cursor-background": "#FFFF00",
        "block-cursor-foreground": "#000000",
        "input-selection-background": "#FFFF00 50%",
    },
)
DEFAULT_THEME = "textual-dark"


class Quit:
    """What the build worker returns when the app was asked to quit during the build."""


class SimulateurApp(App[int]):
    TITLE = tr("tui.app.title")
    SUB_TITLE = tr("tui.app.subtitle")
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("f1", "help", tr("tui.key.help")),
        Binding("ctrl+q", "request_quit", tr("tui.key.quit"), priority=True),
    ]

    #: A lab is being built (by the one build worker, build()): leaving and quitting wait for it.
    building: var[bool] = var(False)
    #: Quitting was asked during a build: the lab is released as soon as it is built, then the app exits.
    quitting: var[bool] = var(False)

    def __init__(
        self,
        *,
        store: Store | None = None,
        catalogue: Catalogue | None = None,
        clock: Callable[[], float] = time.time,
        reap: bool = True,
    ) -> None:
        super().__init__()
        self.store = store or Store()
        self.catalogue = catalogue or load_catalogue()
        self.clock = clock
        self.running: Running | None = None
        self._build_thread = threading.Event()  # set while the build worker's thread runs (shutdown waits)
        self._reap = reap
        self.settings, self._settings_problem = settings_file.load()
        self.register_theme(HIGH_CONTRAST)
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme

    # --- who is at the keyboard, and the theme: remembered in the data dir ---------------------
    @property
    def trainee(self) -> str | None:
        return self.settings.trainee

    def trainees(self) -> list[str]:
        """Names already used on this machine (the store's attempts), the current one included."""
        names = {r.candidate for r in self.store.attempts() if r.candidate}
        if self.trainee:
            names.add(self.trainee)
        return sorted(names, key=str.casefold)

    def set_trainee(self, name: str | None) -> None:
        if name == self.settings.trainee:
            return
        self.settings = self.settings.model_copy(update={"trainee": name})
        self._save_settings()

    def choose_trainee(self, then: Callable[[], None] | None = None) -> None:
        from simulateur.tui.screens.profil import ProfileScreen

        def chosen(name: str | bool | None) -> None:
            if name is False:
                return
            self.set_trainee(name if isinstance(name, str) else None)
            self.notify(tr("tui.profile.chosen", name=self.trainee or tr("tui.profile.none")), markup=False)
            if then is not None:
                then()
            self.screen.post_message(TraineeChanged())

        self.push_screen(ProfileScreen(self.trainees(), self.trainee), chosen)

    def best_scores(self) -> dict[str, ScoreRecord]:
        """« Meilleur » of the trainee at the keyboard, in training (exam attempts apart)."""
        return self.store.best_scores(candidate=self.trainee, modes=TRAINING_MODES)

    def watch_theme(self, theme: str) -> None:
        if getattr(self, "settings", None) is not None and theme != self.settings.theme:
            self.settings = self.settings.model_copy(update={"theme": theme})
            self._save_settings()

    def action_toggle_contrast(self) -> None:
        self.theme = DEFAULT_THEME if self.theme == HIGH_CONTRAST.name else HIGH_CONTRAST.name

    def _save_settings(self) -> None:
        try:
            settings_file.save(self.settings)
        except OSError as exc:
            self.notify(tr("tui.settings.unwritable", why=exc.strerror or str(exc)), severity="warning", markup=False)

    # --- screens ------------------------------------------------------------------------------
    def on_mount(self) -> None:
        # Pushed rather than returned by get_default_screen(), which would not load its .tcss.
        self.push_screen(CatalogueScreen())
        if self._settings_problem:
            self.notify(self._settings_problem, severity="warning", timeout=10, markup=False)
        if self.store.recovered:
            self.notify(
                tr("tui.store.recovered", path=self.store.recovered), severity="warning", timeout=10, markup=False
            )
        if self._reap:
            self._reap_orphans()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGHUP):
                loop.add_signal_handler(sig, self._on_signal, sig)

    def _on_signal(self, signum: int) -> None:
        """SIGTERM, or SIGHUP (the terminal went away): the lab first, then leave."""
        self.quitting = True
        self.shutdown()
        code = 128 + signum
        if signum == signal.SIGHUP:
            # No terminal to restore, and Textual would block forever writing to the dead one.
            os._exit(code)
        self.exit(code)
        watchdog = threading.Timer(5, os._exit, (code,))
        watchdog.daemon = True
        watchdog.start()

    @work(thread=True, group="reap", exit_on_error=False)
    def _reap_orphans(self) -> int:
        return len(reap_orphans(self.store))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The app's own workers: the orphan labs reaped at start, the lab stopped before leaving."""
        reaped = ended(event, "reap")
        if reaped is not None and reaped.ok and reaped.result:
            self.notify(trn("tui.reaped", reaped.result), timeout=8)
        stopped = ended(event, "stop")
        if stopped is not None:
            self.exit(0)

    # Navigation: screens ask the app for the next screen rather than importing each other.
    def show_results(self, attempt_id: str) -> None:
        """After a submission: back to the catalogue, then the results on top of it."""
        from simulateur.tui.screens.resultats import ResultatsScreen

        self._pop_to_catalogue()
        self.push_screen(ResultatsScreen(attempt_id))

    def open_results(self, attempt_id: str) -> None:
        from simulateur.tui.screens.resultats import ResultatsScreen

        self.push_screen(ResultatsScreen(attempt_id))

    def open_briefing(self, scenario_id: str, seed: int | None = None, *, replace: bool = False) -> None:
        """A scenario's briefing, over the current screen (or instead of it: « Rejouer »)."""
        from simulateur.tui.screens.briefing import BriefingScreen

        screen = BriefingScreen(scenario_id, seed)
        if replace:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def open_intervention(self) -> None:
        """The lab is built: the intervention replaces the briefing."""
        from simulateur.tui.screens.intervention import InterventionScreen

        self.switch_screen(InterventionScreen())

    def open_fiche(self) -> None:
        from simulateur.tui.screens.fiche import FicheScreen

        self.push_screen(FicheScreen())

    def open_verification(self, result: Any, verifications: Any) -> None:
        from simulateur.tui.screens.verification import VerificationScreen

        self.push_screen(VerificationScreen(result, verifications))

    def continue_exam(self, db: Any, step: Any) -> None:
        """An exam's next intervention, or its end (after a start, a hand-in or the time-out)."""
        from simulateur.tui.screens.exam_intervention import continue_exam

        continue_exam(self, db, step)

    def open_jury(self, session_id: str, candidate: str) -> None:
        from simulateur.tui.screens.jury import JuryScreen

        self.push_screen(JuryScreen(session_id, candidate))

    def open_timeline(self, title: str, directory: Path | str | None, started: float | None) -> None:
        from simulateur.tui.screens.timeline import TimelineScreen

        self.push_screen(TimelineScreen(title, directory, started))

    def open_player(self, directory: Path | str | None, started: float | None, *args: Any) -> bool:
        from simulateur.tui.screens.player import open_player

        return open_player(self, directory, started, *args)

    def _pop_to_catalogue(self) -> None:
        while len(self.screen_stack) > 2 and not isinstance(self.screen, CatalogueScreen):
            self.pop_screen()

    # --- the running attempt ------------------------------------------------------------------
    def attach(self, started: Started, mode: str) -> Running:
        """Record the attempt a worker has just started (called from that worker thread)."""
        assert started.attempt is not None
        started.attempt._store = self.store  # the app's store holds this attempt's facts from now on
        info = started.attempt.info
        self.store.begin(
            attempt_id=info.id,
            scenario=started.scenario,
            seed=info.seed,
            mode=mode,
            lab=started.lab.id,
            attempt_dir=started.attempt.dir,
            started=info.started,
            candidate=info.candidate,
            variant=started.lab.params.get("variante"),
        )
        self.running = Running(
            lab=started.lab,
            scenario=started.scenario,
            attempt=started.attempt,
            attempt_id=info.id,
            mode=mode,
            started=info.started,
            store=self.store,
        )
        return self.running

    @contextlib.contextmanager
    def terminal_lent(self) -> Iterator[None]:
        """The terminal lent to another program (a shell), then always taken back — even when that
        program fails: Textual's suspend() skips its resume on an exception raised inside it, which
        left the app deaf (not even Ctrl+Q) on a terminal it no longer drew. SuspendNotSupported is
        raised before anything is lent."""
        lending = self.suspend()
        lending.__enter__()
        try:
            yield
        finally:
            lending.__exit__(None, None, None)  # resume_application_mode, whatever happened inside

    def build(self, screen: Screen[Any], job: Callable[[], T], release: Callable[[T], None]) -> Worker[T | Quit]:
        """The one build worker (a training attempt's lab, an exam's intervention): `job` runs in a
        thread and returns what it built; `screen` receives the worker's Worker.StateChanged (group
        "build") and reads it with built(). If quitting was asked meanwhile, `release` (in the thread)
        lets go of what was built and the app exits instead."""
        self.building = True
        self._build_thread.set()

        def body() -> T | Quit:
            try:
                result = job()
                if self.quitting:
                    release(result)
                    return Quit()
                return result
            finally:
                self._build_thread.clear()

        return screen.run_worker(body, name="build", group="build", thread=True, exclusive=True, exit_on_error=False)

    def built(self, event: Worker.StateChanged) -> Any:
        """For a screen that started build(): None while building (or for another worker), else the
        Outcome; the build's end clears `building`, and a build finished while quitting exits here."""
        outcome = ended(event, "build")
        if outcome is None:
            return None
        self.building = False
        if isinstance(outcome.result, Quit):
            self.exit(0)
            return None
        return outcome

    def attempt_in_progress(self) -> bool:
        return self.running is not None and not self.running.stopped

    # --- quitting -----------------------------------------------------------------------------
    def action_request_quit(self) -> None:
        if self.building:
            self.quitting = True
            self.notify(tr("tui.quit.after_build"))
            return
        if not self.attempt_in_progress():
            self.exit(0)
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self._stop_and_exit()

        self.push_screen(ConfirmScreen(tr("tui.quit.confirm", lab=self.running.lab_id if self.running else "")), answer)

    def action_help_quit(self) -> None:  # Ctrl+C: the same as Ctrl+Q (asks first mid-attempt)
        self.action_request_quit()

    def _stop_and_exit(self) -> None:
        self.notify(tr("tui.quit.stopping"))
        self._stop_running()

    @work(thread=True, group="stop", exit_on_error=False)
    def _stop_running(self) -> None:
        """The lab stopped in a thread; on_worker_state_changed exits once it is done (or failed)."""
        if self.running is not None:
            self.running.stop("abandonnee")

    def shutdown(self) -> None:
        """After the app has ended, however it ended: no lab is left behind (attempt files are kept)."""
        if self._build_thread.is_set():
            deadline = time.monotonic() + 60
            while self._build_thread.is_set() and time.monotonic() < deadline:
                time.sleep(0.05)
        if self.running is not None and not self.running.stopped:
            with contextlib.suppress(Exception):
                self.running.stop("interrompue")

    # --- help and command palette --------------------------------------------------------------
    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]  # textual asks App[object]; App is invariant in its return type
            self.push_screen(CommandPalette(id="--command-palette", placeholder=tr("tui.palette.placeholder")))

    def search_themes(self) -> None:
        self.push_screen(CommandPalette(providers=[ThemeProvider], placeholder=tr("tui.palette.themes")))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        commands = getattr(screen, "commands", None)
        if callable(commands):
            for title, help_text, callback in commands():
                yield SystemCommand(title, help_text, callback)
        yield SystemCommand(tr("tui.cmd.catalogue"), tr("tui.cmd.catalogue.help"), self.go_catalogue)
        yield SystemCommand(tr("tui.cmd.progression"), tr("tui.cmd.progression.help"), self.go_progression)
        yield SystemCommand(tr("tui.cmd.examen"), tr("tui.cmd.examen.help"), self.go_examen)
        yield SystemCommand(tr("tui.cmd.quiz"), tr("tui.cmd.quiz.help"), self.go_quiz)
        yield SystemCommand(tr("tui.cmd.epreuve"), tr("tui.cmd.epreuve.help"), self.go_epreuve)
        yield SystemCommand(tr("tui.cmd.help"), tr("tui.cmd.help.help"), self.action_help)
        yield SystemCommand(tr("tui.cmd.profile"), tr("tui.cmd.profile.help"), self.choose_trainee)
        yield SystemCommand(tr("tui.cmd.contrast"), tr("tui.cmd.contrast.help"), self.action_toggle_contrast)
        yield SystemCommand(tr("tui.cmd.theme"), tr("tui.cmd.theme.help"), self.action_change_theme)
        yield SystemCommand(
            tr("tui.cmd.screenshot"), tr("tui.cmd.screenshot.help"), lambda: self.set_timer(0.1, self._save_capture)
        )
        yield SystemCommand(tr("tui.cmd.quit"), tr("tui.cmd.quit.help"), self.action_request_quit)

    def _save_capture(self) -> None:
        """The palette's « Capture d'écran » (not named _screenshot: Textual's App has an attribute of
        that name, None, which made the command silently do nothing)."""
        from simulateur.paths import data_dir

        try:
            path = self.save_screenshot(path=str(self.store.path.parent if self.store.path else data_dir()))
        except OSError as exc:
            self.notify(tr("tui.screenshot.failed", why=exc.strerror or str(exc)), severity="error", markup=False)
            return
        self.notify(tr("tui.screenshot.saved", path=path), timeout=10, markup=False)

    def go_catalogue(self) -> None:
        if self.attempt_in_progress():
            self.notify(tr("tui.busy"), severity="warning")
            return
        self._pop_to_catalogue()

    def go_examen(self) -> None:
        from simulateur.tui.screens.examen import ExamenScreen

        if self.attempt_in_progress():
            self.notify(tr("tui.busy"), severity="warning")
            return
        if not isinstance(self.screen, ExamenScreen):
            self.push_screen(ExamenScreen())

    def go_progression(self) -> None:
        from simulateur.tui.screens.progression import ProgressionScreen

        if not isinstance(self.screen, ProgressionScreen):
            self.push_screen(ProgressionScreen())

    def go_epreuve(self, epreuve_id: str | None = None) -> None:
        """An épreuve blanche complète in its screen: `epreuve_id`, else the last one still going."""
        from simulateur.epreuve.db import EpreuveDB
        from simulateur.tui.screens.epreuve import EpreuveScreen

        if epreuve_id is None:
            going = [st for st in EpreuveDB(self.store).all() if not st.finished]
            if not going:
                self.notify(tr("tui.epreuve.none"), severity="warning")
                return
            epreuve_id = going[-1].id
        self.push_screen(EpreuveScreen(epreuve_id))

    def go_quiz(self, run_id: str | None = None) -> None:
        """A new questionnaire (random seed, the RC's 45 minutes), or `run_id`, in its screen."""
        from simulateur.quiz import paper
        from simulateur.quiz.db import QuizDB
        from simulateur.tui.screens.quiz import QuizScreen

        if self.attempt_in_progress():
            self.notify(tr("tui.busy"), severity="warning")
            return
        if run_id is None:
            run_id = paper.start(QuizDB(self.store)).id
        self.push_screen(QuizScreen(run_id))
