"""The CLI's side of the network API: « simulateur login URL » on a jury station or a trainer's
PC keeps a token (~/.config/simulateur/serveur.json, mode 600), then the commands of an examen
blanc are asked of that service over HTTPS instead of a local one — the same roles, the same
French answers. Only for an ordinary account: root acts on its own machine.

The standard library's HTTP client (urllib, ssl): one JSON request per command; no dependency to
import for a command that never talks to a server.
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from simulateur.errors import SimError, UsageError
from simulateur.i18n import tr

TIMEOUT = 900.0  # an `exam start` builds a lab: minutes under load


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "simulateur" / "serveur.json"


def saved() -> dict[str, Any] | None:
    try:
        data = json.loads(config_path().read_text())
    except (OSError, ValueError):
        return None
    return (
        data
        if isinstance(data, dict) and isinstance(data.get("url"), str) and isinstance(data.get("token"), str)
        else None
    )


def _context(cafile: str | None) -> ssl.SSLContext | None:
    if cafile is None:
        return None
    try:
        return ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as exc:
        raise UsageError(tr("api.bad_cafile", path=cafile, why=exc)) from None


def call(
    url: str,
    path: str,
    payload: dict[str, Any] | None,
    *,
    token: str | None = None,
    cafile: str | None = None,
    timeout: float = TIMEOUT,
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON reply) of one request; one French line when the server cannot be reached."""
    data = json.dumps(payload).encode() if payload is not None else None
    req = urllib.request.Request(url.rstrip("/") + path, data=data, method="POST" if data is not None else "GET")
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=_context(cafile)) as resp:
            return resp.status, _json(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, _json(exc.read())
    except (urllib.error.URLError, OSError) as exc:
        why = getattr(exc, "reason", exc)
        raise SimError(tr("api.unreachable", url=url, why=why), exit_code=4) from None


def _json(raw: bytes) -> dict[str, Any]:
    try:
        obj = json.loads(raw)
    except ValueError:
        return {"error": tr("api.not_ours")}
    return obj if isinstance(obj, dict) else {"error": tr("api.not_ours")}


def login(url: str, *, user: str | None, code: str | None, cafile: str | None) -> int:
    if os.geteuid() == 0:
        raise UsageError(tr("api.login_root"))
    if not url.startswith(("https://", "http://")):
        raise UsageError(tr("api.bad_url", url=url))
    cafile = str(Path(cafile).resolve()) if cafile else None
    if code is not None:
        payload: dict[str, Any] = {"code": code}
    elif user:
        payload = {"login": user, "password": _password()}
    else:
        raise UsageError(tr("api.login_how"))
    status, reply = call(url, "/api/login", payload, cafile=cafile, timeout=60)
    if status != 200 or "token" not in reply:
        raise SimError(str(reply.get("error") or tr("api.not_ours")), exit_code=3)
    path = config_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(
                {
                    "url": url,
                    "token": reply["token"],
                    "cafile": cafile,
                    "login": reply.get("login"),
                    "expires": reply.get("expires"),
                },
                f,
            )
    except OSError as exc:
        raise SimError(tr("api.cannot_save", path=path, why=exc.strerror or exc), exit_code=2) from None
    until = time.strftime("%d/%m %H:%M", time.localtime(float(reply.get("expires") or 0)))
    print(tr("api.logged_in", login=reply.get("login"), role=reply.get("role"), url=url, until=until))
    return 0


def _password() -> str:
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass(tr("api.password_prompt"))
    return sys.stdin.readline().rstrip("\n")


def logout() -> int:
    conf = saved()
    if conf is None:
        print(tr("api.not_logged_in"))
        return 0
    try:
        call(conf["url"], "/api/logout", {}, token=conf["token"], cafile=conf.get("cafile"), timeout=30)
    except SimError:
        pass  # the server gone: the token is forgotten here all the same
    config_path().unlink(missing_ok=True)
    print(tr("api.logged_out", url=conf["url"]))
    return 0


def forward(argv: list[str], args: argparse.Namespace, conf: dict[str, Any]) -> int:
    """Ask the logged-in server to run this command; print what it wrote; its exit status."""
    func = getattr(args, "func", None)
    name = func.__name__ if func is not None else ""
    if name == "cmd_shell":  # a terminal relayed over a websocket (remote_shell.py)
        from simulateur.serve import remote_shell

        return remote_shell.run(conf, args.lab, args.host)
    if name == "cmd_report" and getattr(args, "all", False):  # a zip is not text: the page downloads it
        raise UsageError(tr("report.all_remote"))
    payload: dict[str, Any] = {"argv": argv}
    fiche = getattr(args, "file", None) if name in ("cmd_fiche", "cmd_roster", "cmd_new") else None
    if fiche is not None:
        try:
            payload["file"] = Path(fiche).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SimError(
                tr("serve.cannot_open", path=fiche, why=getattr(exc, "strerror", None) or exc), exit_code=2
            ) from None
    status, reply = call(conf["url"], "/api/run", payload, token=conf["token"], cafile=conf.get("cafile"))
    if status == 401:
        raise SimError(str(reply.get("error")) + " — " + tr("api.login_again", url=conf["url"]), exit_code=4)
    output = getattr(args, "output", None)
    out = str(reply.get("stdout") or "")
    if output not in (None, "-") and name in ("cmd_report", "cmd_attempts") and not reply.get("error"):
        try:
            Path(output).write_text(out, encoding="utf-8")
        except OSError as exc:
            raise SimError(tr("serve.cannot_open", path=output, why=exc.strerror or exc), exit_code=2) from None
        print(tr("serve.written", path=output), file=sys.stderr)
    else:
        sys.stdout.write(out)
    sys.stderr.write(str(reply.get("stderr") or ""))
    sys.stdout.flush()
    if reply.get("error"):
        raise SimError(str(reply["error"]), exit_code=int(reply.get("code", 3)))
    return int(reply.get("code", 1))
