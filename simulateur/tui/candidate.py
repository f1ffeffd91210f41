"""The candidate's app: the examen blanc seen from an ordinary account logged in to a centre's
service (« simulateur login URL --code CODE »), or run by the service for her browser (web/appweb.py).

Nothing here touches a lab or the store: every step is one of the service's commands, asked with
her token — `exam status/start/submit SID`, `shell LAB HOST` (the remote CLI's relay over the
websocket) — so the app has exactly the rights she has at a terminal, and the service decides,
records and holds her deadline. Root at home keeps the full app (simulateur.tui.app).
"""

from __future__ import annotations

import json
import time
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.timer import Timer
from textual.widgets import Button, Footer, Header, Select, Static
from textual.worker import Worker

from simulateur.errors import SimError
from simulateur.i18n import tr
from simulateur.tui.workers import ended

POLL = 1.0  # seconds between two `exam status` (her time left, the intervention's state)
STATUS_TIMEOUT = 30.0  # an `exam status` not answered by then is said on her screen (then asked again)


class ExamClient:
    """The service's commands for the logged-in candidate (remote.saved()'s URL and token)."""

    def __init__(self, conf: dict[str, Any]) -> None:
        self.conf = conf

    def whoami(self) -> dict[str, Any]:
        from simulateur.serve import remote

        status, reply = remote.call(
            self.conf["url"], "/api/whoami", None, token=self.conf["token"], cafile=self.conf.get("cafile"), timeout=60
        )
        if status != 200:
            raise SimError(str(reply.get("error") or tr("api.not_ours")), exit_code=4)
        return reply

    def run(self, argv: list[str], timeout: float | None = None) -> str:
        """What the command printed; its refusal or failure as a SimError (one French line)."""
        from simulateur.serve import remote

        status, reply = remote.call(
            self.conf["url"],
            "/api/run",
            {"argv": argv},
            token=self.conf["token"],
            cafile=self.conf.get("cafile"),
            timeout=timeout or remote.TIMEOUT,
        )
        if status == 401:
            raise SimError(str(reply.get("error")) + " — " + tr("api.login_again", url=self.conf["url"]), exit_code=4)
        if reply.get("error"):
            raise SimError(str(reply["error"]), exit_code=int(reply.get("code", 3)))
        if int(reply.get("code", 1)) != 0:
            raise SimError((str(reply.get("stderr") or "").strip().splitlines() or [tr("serve.internal")])[-1])
        return str(reply.get("stdout") or "")

    def status(self, sid: str) -> dict[str, Any] | None:
        """Her run's state, None before she started; a failure (the service unreachable, her login
        voided) as a SimError — never taken for « not started »."""
        try:
            data = json.loads(self.run(["exam", "status", sid, "--json"], timeout=STATUS_TIMEOUT))
        except ValueError:
            raise SimError(tr("api.not_ours")) from None
        if not isinstance(data, dict):
            raise SimError(tr("api.not_ours"))
        if data.get("started") is False:  # on the roster, not started
            return None
        return data


def clock(seconds: float) -> str:
    s = max(0, int(seconds))
    return (
        f"{s // 3600:d} h {s % 3600 // 60:02d} min {s % 60:02d} s" if s >= 3600 else f"{s // 60:d} min {s % 60:02d} s"
    )


class CandidateApp(App[int]):
    TITLE = tr("cand.title")
    CSS = """
    #who { text-style: bold; padding: 0 1; }
    #left { padding: 0 1; color: $warning; text-style: bold; }
    #state, #message { padding: 0 1; }
    #actions { height: auto; padding: 0 1; }
    #actions Button { margin-right: 2; }
    #host { width: 30; }
    #ticket { padding: 1 2; }
    """
    BINDINGS = [Binding("ctrl+q", "quit", tr("cand.quit"), priority=True)]
    AUTO_FOCUS = "#start"

    def __init__(self, client: ExamClient, *, poll: float = POLL) -> None:
        super().__init__()
        self.client = client
        self.poll = poll
        self.sid = ""
        self.candidate = ""
        self.state: dict[str, Any] | None = None
        self.busy = False
        self.resumed = False
        self.seen = 0.0  # when `state` was read (her time left counts down from there between polls)
        self.polling = False  # one `exam status` in flight at a time: a slow service never starves the screen
        self.again = False  # a step ended while a poll was in flight: poll once more when it returns
        self.poll_problem: str | None = None  # the last poll's failure, as said on her screen
        self.said = ""  # what #message says
        self.ticker: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="who")
        yield Static("", id="left")
        yield Static("", id="state")
        with Horizontal(id="actions"):
            yield Button(tr("cand.start"), id="start", variant="success", compact=True)
            yield Button(tr("cand.submit"), id="submit", variant="warning", compact=True, disabled=True)
            yield Select([], prompt=tr("cand.pick_host"), id="host", compact=True)
            yield Button(tr("cand.shell"), id="shell", compact=True, disabled=True)
        yield Static("", id="message")
        with VerticalScroll():
            yield Static("", id="ticket")
        yield Footer()

    def on_mount(self) -> None:
        self._who()

    @work(thread=True, exclusive=True, group="who", exit_on_error=False)
    def _who(self) -> tuple[str, str]:
        """Her session and name, as the service knows her token."""
        me = self.client.whoami()
        if not str(me.get("role") or "").startswith("candidat") or not me.get("session"):
            raise SimError(tr("cand.not_candidate"))
        return str(me["session"]), str(me.get("login") or "").removeprefix("code:")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Each worker returns what it got from the service; the screen reacts here."""
        if (who := ended(event, "who")) is not None:
            if who.ok:
                self._known(*who.result)
            else:
                self._say(who.problem or "", True)
        if event.worker.group == "poll" and event.worker.is_finished:
            self.polling = False
        if (polled := ended(event, "poll")) is not None:
            if polled.ok:
                if self.poll_problem is not None and self.said == self.poll_problem:
                    self._say("")  # the service answers again
                self.poll_problem = None
                self._show(*polled.result)
            else:  # her last known state stays on screen (her clock goes on), the failure said
                self.poll_problem = tr("cand.poll_failed", why=polled.problem or "?")
                self._say(self.poll_problem, True)
            if self.again:
                self._poll()
        if (stepped := ended(event, "step")) is not None:
            self._stepped(stepped.result, stepped.problem)

    def _known(self, sid: str, name: str) -> None:
        self.sid, self.candidate = sid, name
        self.query_one("#who", Static).update(Text(tr("cand.who", sid=sid, name=name)))
        self._poll()
        self.ticker = self.set_interval(self.poll, self._poll)
        self.set_interval(1, self._clock)

    # --- her state, polled from the service ------------------------------------------------------
    def _poll(self) -> None:
        """Ask the service for her state, unless a request is still on its way: then once more when
        it returns (a request slower than the poll interval would otherwise be cancelled by the next
        one, again and again, and her screen would never change)."""
        if self.state and self.state.get("finished"):  # her examen is over: nothing more will change
            if self.ticker is not None:
                self.ticker.stop()
            return
        if self.polling:
            self.again = True
            return
        self.polling, self.again = True, False
        self._poll_worker()

    @work(thread=True, group="poll", exit_on_error=False)
    def _poll_worker(self) -> tuple[dict[str, Any] | None, float]:
        return self.client.status(self.sid), time.time()

    def _clock(self) -> None:
        """Her time left, counted down between two answers of the service."""
        state = self.state
        if state and not state.get("finished") and state.get("remaining") is not None:
            left = float(state["remaining"]) - (time.time() - self.seen)
            self.query_one("#left", Static).update(Text(tr("cand.left", left=clock(left))))

    def _show(self, state: dict[str, Any] | None, seen: float) -> None:
        self.state, self.seen = state, seen
        if state and state.get("lab") and not state.get("finished") and not self.resumed and not self.busy:
            self.resumed = True  # back in the app mid-exam: her ticket again (the service resumes)
            self._step(["exam", "start", self.sid], "")
            return
        left = self.query_one("#left", Static)
        line = self.query_one("#state", Static)
        running = bool(state and not state.get("finished"))
        if state is None:
            left.update("")
            line.update(Text(tr("cand.not_started")))
        elif state.get("finished"):
            left.update("")
            line.update(Text(tr("cand.finished"), style="bold"))
        else:
            left.update("")
            self._clock()
            line.update(
                Text(
                    tr("cand.state", index=state["intervention"], lab=state.get("lab") or "—")
                    if state.get("intervention")
                    else tr("cand.building")
                )
            )
        self.query_one("#start", Button).disabled = self.busy or (
            state is not None and bool(state.get("lab") or state.get("finished"))
        )
        self.query_one("#submit", Button).disabled = self.busy or not (running and state and state.get("lab"))
        self.query_one("#shell", Button).disabled = self.busy or not (running and state and state.get("lab"))

    def _say(self, text: str, error: bool = False) -> None:
        self.said = text
        self.query_one("#message", Static).update(Text(text, style="bold red" if error else "bold"))

    # --- her steps: the service's commands -------------------------------------------------------
    @on(Button.Pressed, "#start")
    def start(self) -> None:
        if not self.busy and self.sid:
            self.resumed = True
            self._step(["exam", "start", self.sid], tr("cand.building"))

    @on(Button.Pressed, "#submit")
    def submit(self) -> None:
        from simulateur.tui.screens.dialogs import ConfirmScreen

        def answer(yes: bool | None) -> None:
            if yes and not self.busy:
                self._step(["exam", "submit", self.sid], tr("cand.submitting"))

        self.push_screen(ConfirmScreen(tr("cand.confirm")), answer)

    def _step(self, argv: list[str], doing: str) -> None:
        self.busy = True
        self._say(doing)
        self._show(self.state, self.seen)
        self._step_worker(argv)

    @work(thread=True, exclusive=True, group="step", exit_on_error=False)
    def _step_worker(self, argv: list[str]) -> str:
        return self.client.run(argv)

    def _stepped(self, out: str | None, error: str | None) -> None:
        self.busy = False
        if error is not None:
            self._say(error, True)
        else:
            self._say("")
            self.query_one("#ticket", Static).update(Text(out or ""))
            names = _hosts_in(out or "")
            self.query_one("#host", Select).set_options([(h, h) for h in names])
        self._poll()

    @on(Button.Pressed, "#shell")
    def shell(self) -> None:
        """Her terminal on a host: the app steps aside (suspended), the remote CLI's relay takes the
        terminal — in a browser too, the app's terminal being the page's."""
        from simulateur.serve import remote_shell

        lab = (self.state or {}).get("lab")
        host = self.query_one("#host", Select).value
        if not lab:
            self._say(tr("cand.no_lab"), True)
            return
        try:
            with self.suspend():
                remote_shell.run(self.client.conf, str(lab), host if isinstance(host, str) else None)
        except SimError as exc:
            self._say(str(exc), True)


def _hosts_in(text: str) -> list[str]:
    """The hosts named by `exam start`'s text (« hôtes : a, b »)."""
    import re

    m = re.search(r"hôtes?\s*:\s*([^\n)]+)", text)
    return [h.strip() for h in m.group(1).split(",") if h.strip()] if m else []


SERVER_ENV = "SIMULATEUR_SERVER"  # set by an sshd ForceCommand: the service to ask her code for
CAFILE_ENV = "SIMULATEUR_CAFILE"
TRIES = 3


def run() -> int:
    """`simulateur` with no command, not root: the candidate's app if logged in to a service —
    or, reached by SSH (an account whose sshd ForceCommand sets SIMULATEUR_SERVER), after her code
    typed at the terminal: the token then lives in this process only (a shared account keeps no
    login of hers on disk) and is revoked when she quits."""
    import os

    from simulateur.serve import remote

    conf = remote.saved()
    kiosk = conf is None and bool(os.environ.get(SERVER_ENV))
    if kiosk:
        conf = _code_login(os.environ[SERVER_ENV], os.environ.get(CAFILE_ENV) or None)
    if conf is None:
        raise SimError(tr("cand.need_login"), exit_code=2)
    app = CandidateApp(ExamClient(conf))
    try:
        app.run()
    finally:
        if kiosk:
            try:
                remote.call(conf["url"], "/api/logout", {}, token=conf["token"], cafile=conf.get("cafile"), timeout=30)
            except SimError:
                pass  # the service gone: its token expires on its own
    return int(app.return_code or 0)


def _code_login(url: str, cafile: str | None) -> dict[str, Any]:
    """Her code asked at the terminal (not echoed), TRIES times at most: the login's conf."""
    import getpass

    from simulateur.serve import remote

    print(tr("cand.ssh_welcome", url=url), flush=True)
    for _ in range(TRIES):
        try:
            code = getpass.getpass(tr("cand.ssh_code"))
        except EOFError:
            break
        status, reply = remote.call(url, "/api/login", {"code": code}, cafile=cafile, timeout=60)
        if status == 200 and "token" in reply and reply.get("session"):
            return {"url": url, "token": reply["token"], "cafile": cafile}
        print(str(reply.get("error") or tr("api.not_ours")), flush=True)
    raise SimError(tr("cand.ssh_give_up"), exit_code=3)
