"""The service's network API for real: `simulateur serve --api` started by the test, accounts made
with `simulateur account` (argon2id hashes in the store), requests over HTTP(S) as a jury station
or a candidate's browser would send them, and the CLI of an unprivileged Unix account logged in
with `simulateur login` (a station of the room's network). The same refusals as on the Unix socket,
plus what a network adds: wrong passwords, too many tries, an expired or voided login, TLS."""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from servehelpers import Accounts, Service, accounts, as_user, forget_service_files, listening_url, quick  # noqa: F401 — fixtures
from webhelpers import PASSWORDS, end_labs, simulateur, staff  # noqa: F401 — fixtures

from simulateur.exam.db import ExamDB
from simulateur.store import schema

pytestmark = pytest.mark.integration


def http(
    url: str, path: str, payload: dict | None = None, token: str | None = None, context: ssl.SSLContext | None = None
) -> tuple[int, dict]:
    req = urllib.request.Request(
        url + path,
        data=json.dumps(payload).encode() if payload is not None else None,
        method="POST" if payload is not None else "GET",
    )
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=300, context=context) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def api(quick: Path, accounts: Accounts, tmp_path: Path, staff: dict[str, str]):
    svc = Service(accounts, tmp_path / "serve.log")
    svc.args = ["--api", "127.0.0.1:0"]
    svc.start()
    yield svc, listening_url(svc)
    svc.stop()
    forget_service_files()
    end_labs()


def login(url: str, who: str, password: str | None = None) -> str:
    status, reply = http(url, "/api/login", {"login": who, "password": password or PASSWORDS[who]})
    assert status == 200, reply
    return reply["token"]


def run(url: str, token: str, *argv: str) -> dict:
    status, reply = http(url, "/api/run", {"argv": list(argv)}, token)
    assert status == 200, reply
    return reply


def refused(reply: dict, words: str) -> None:
    assert reply.get("code") == 3 and words in reply.get("error", ""), reply
    assert reply.get("stdout", "") == ""


def test_accounts_bad_input_one_french_line() -> None:
    proc = simulateur("account", "add", "court", "--role", "jury", stdin="court\n")
    assert proc.returncode == 2 and "trop court" in proc.stderr and len(proc.stderr.splitlines()) == 1
    proc = simulateur("account", "add", "a b", "--role", "jury", stdin="assez-long-secret\n")
    assert proc.returncode == 2 and "login « a b »" in proc.stderr
    proc = simulateur("account", "passwd", "personne", stdin="assez-long-secret\n")
    assert proc.returncode == 2 and "aucun compte « personne »" in proc.stderr
    # The password is never stored: only its argon2id hash.
    assert simulateur("account", "add", "tmpjury", "--role", "jury", stdin="un-secret-bien-long\n").returncode == 0
    try:
        with ExamDB().store._read() as conn:
            (stored,) = conn.execute(
                schema.accounts.select()
                .with_only_columns(schema.accounts.c.hash)
                .where(schema.accounts.c.login == "tmpjury")
            ).one()
        assert stored.startswith("$argon2id$") and "un-secret-bien-long" not in stored
    finally:
        simulateur("account", "remove", "tmpjury")
    # A network address without TLS: the service does not start.
    proc = simulateur("serve", "--api", "0.0.0.0:0")
    assert proc.returncode == 2 and "--tls-cert" in proc.stderr and len(proc.stderr.splitlines()) == 1


def test_roles_over_the_network_codes_and_voided_logins(api, accounts: Accounts, tmp_path: Path) -> None:
    svc, url = api
    # Nobody without a login; a wrong password; too many tries from one address for one login.
    status, reply = http(url, "/api/run", {"argv": ["exam", "list"]})
    assert status == 401 and "connexion requise" in reply["error"]
    status, reply = http(url, "/api/login", {"login": "jury1", "password": "pas-le-bon"})
    assert status == 401 and reply["error"] == "login ou mot de passe incorrect"
    for _ in range(5):
        http(url, "/api/login", {"login": "form1", "password": "essai"})
    status, reply = http(url, "/api/login", {"login": "form1", "password": PASSWORDS["form1"]})
    assert status == 429 and "trop d'essais" in reply["error"]
    status, reply = http(url, "/api/login", {"login": "personne", "password": "x"})
    assert status == 401 and reply["error"] == "login ou mot de passe incorrect"  # unknown login: the same answer

    # The jury cannot make a session; the trainer (through a Unix account, as the throttle holds form1) can.
    jury = login(url, "jury1")
    refused(run(url, jury, "exam", "new", "--count", "1"), "n'est pas permis à votre rôle (jury (réseau))")
    for argv in (["--help"], ["exam", "show", "--nope"], ["serve"], ["account", "add", "x", "--role", "jury"]):
        reply = run(url, jury, *argv)  # not an exam's command, or unreadable: nothing run, nothing printed
        assert reply["code"] in (2, 3) and reply["error"] and reply["stdout"] == "", (argv, reply)
    assert "usage" not in svc.log.read_text()
    proc = as_user(
        accounts,
        "trainer",
        "exam",
        "new",
        "--count",
        "1",
        "--minutes",
        "20",
        "--seed",
        "5",
        "--candidate",
        "Alice Martin",
        "--candidate",
        "Bruno Petit",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    sid = json.loads(proc.stdout)["id"]
    proc = as_user(accounts, "trainer", "exam", "codes", sid, "--json")
    assert proc.returncode == 0, proc.stderr
    codes = json.loads(proc.stdout)
    assert set(codes) == {"Alice Martin", "Bruno Petit"} and len(set(codes.values())) == 2

    # A candidate by her code (as printed, typed in lower case with spaces): only herself.
    status, reply = http(url, "/api/login", {"code": "  " + codes["Alice Martin"].lower().replace("-", " ")})
    assert status == 200 and reply["candidate"] == "Alice Martin", reply
    alice = reply["token"]
    status, reply = http(url, "/api/login", {"code": "AAAAA-AAAAA"})
    assert status == 401 and "code de candidat inconnu" in reply["error"]
    refused(run(url, alice, "exam", "start", sid, "--candidate", "Bruno Petit"), "que pour vous-même")
    started = run(url, alice, "exam", "start", sid, "--json")
    assert started["code"] == 0, started
    lab = json.loads(started["stdout"])["lab"]
    out = run(url, alice, "exec", lab, "poste", "--", "ip -br addr")
    assert out["code"] == 0 and "eth0" in out["stdout"], out
    refused(run(url, alice, "shell", lab, "poste"), "pas de shell par l'API réseau")
    refused(run(url, alice, "exam", "jury", sid, "--candidate", "Alice Martin"), "(candidat (réseau))")
    refused(run(url, alice, "exam", "show", sid), "(candidat (réseau))")
    refused(run(url, alice, "report", sid, "--candidate", "Alice Martin", "--format", "json"), "(candidat (réseau))")
    refused(run(url, alice, "check", lab), "(candidat (réseau))")
    status, fiche = http(
        url,
        "/api/run",
        {"argv": ["exam", "fiche", sid, "--file", "fiche.txt"], "file": "cause: le serveur DHCP était arrêté\n"},
        alice,
    )
    assert status == 200 and fiche["code"] == 0, fiche
    assert ExamDB().store.fiche(json.loads(started["stdout"])["attempt"])["cause"] == "le serveur DHCP était arrêté"
    # Bruno's code is not Alice's account: his lab is not hers, hers not his.
    status, reply = http(url, "/api/login", {"code": codes["Bruno Petit"]})
    bruno = reply["token"]
    refused(run(url, bruno, "exec", lab, "poste", "--", "id"), f"{lab} n'est pas celui")

    # The jury sees the session and her lab's grid (not in the candidate's hands).
    shown = run(url, jury, "exam", "show", sid, "--json")
    assert shown["code"] == 0 and "Alice Martin" in shown["stdout"], shown
    proc = run(url, jury, "exam", "jury", sid, "--candidate", "Alice Martin", "--json")
    assert proc["code"] == 0 and json.loads(proc["stdout"])[0]["criteria"], proc

    # A new code for her voids the old one and her open login; an expired login is said as such;
    # a password changed closes that account's logins.
    proc = as_user(accounts, "trainer", "exam", "codes", sid, "--candidate", "alice martin", "--json")
    assert proc.returncode == 0, proc.stderr
    status, reply = http(url, "/api/run", {"argv": ["exam", "status", sid]}, alice)
    assert status == 401 and "reconnectez-vous" in reply["error"]
    status, reply = http(url, "/api/login", {"code": codes["Alice Martin"]})
    assert status == 401
    T = schema.api_tokens
    with ExamDB().store._write() as conn:
        conn.execute(T.update().where(T.c.candidate == "Bruno Petit").values(expires=time.time() - 60))
    status, reply = http(url, "/api/whoami", None, bruno)
    assert status == 401 and "connexion expirée" in reply["error"]
    assert simulateur("account", "passwd", "jury1", stdin="jury-nouveau-secret\n").returncode == 0
    status, reply = http(url, "/api/whoami", None, jury)
    assert status == 401

    # Everything audited, with the address and the network role.
    log = ExamDB().audit_log()
    net = [r for r in log if r.role.endswith("(réseau)")]
    assert {
        ("connexion", "refusé : mot de passe"),
        ("connexion", "refusé : trop d'essais"),
        ("connexion", "refusé : code inconnu"),
    } <= {(r.verb, r.outcome) for r in net}
    assert any(
        r.login == "code:Alice Martin" and r.verb == "exec" and r.outcome == "ok" and "[127.0.0.1]" in r.detail
        for r in net
    )
    assert any(r.login == "jury1" and r.verb == "exam new" and r.outcome.startswith("refusé") for r in net)


def test_a_station_logged_in_with_tls(quick: Path, accounts: Accounts, tmp_path: Path, staff) -> None:
    """A jury member at a station of the room's network: « simulateur login https://… » from an
    ordinary account (no group of this machine's), then her commands go to the service — the jury's
    rights are her account's; logged out, they are her Unix account's again (none)."""
    certs = Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        os.chmod(certs, 0o755)
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=localhost",
                "-addext",
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout",
                str(certs / "key.pem"),
                "-out",
                str(certs / "cert.pem"),
            ],
            check=True,
            capture_output=True,
        )
        os.chmod(certs / "cert.pem", 0o644)
        svc = Service(accounts, tmp_path / "serve.log")
        svc.args = ["--api", "127.0.0.1:0", "--tls-cert", str(certs / "cert.pem"), "--tls-key", str(certs / "key.pem")]
        svc.start()
        try:
            url = listening_url(svc)
            assert url.startswith("https://127.0.0.1:")
            proc = simulateur("exam", "new", "--count", "1", "--minutes", "20", "--candidate", "Alice Martin", "--json")
            sid = json.loads(proc.stdout)["id"]
            conf = certs / "station"
            conf.mkdir()
            shutil.chown(conf, accounts.users["stranger"])
            env = {"XDG_CONFIG_HOME": str(conf)}
            # Her station does not know the service's certificate: refused, in French.
            proc = as_user(
                accounts, "stranger", "login", url, "--user", "jury1", input=PASSWORDS["jury1"] + "\n", env=env
            )
            assert proc.returncode == 4 and "injoignable" in proc.stderr and "CERTIFICATE" in proc.stderr.upper(), (
                proc.stderr
            )
            proc = as_user(
                accounts,
                "stranger",
                "login",
                url,
                "--user",
                "jury1",
                "--cafile",
                str(certs / "cert.pem"),
                input=PASSWORDS["jury1"] + "\n",
                env=env,
            )
            assert proc.returncode == 0 and "jury1 (jury (réseau))" in proc.stdout, proc.stderr
            saved = conf / "simulateur" / "serveur.json"
            assert saved.stat().st_mode & 0o777 == 0o600 and PASSWORDS["jury1"] not in saved.read_text()
            proc = as_user(accounts, "stranger", "exam", "show", sid, env=env)
            assert proc.returncode == 0 and f"Session {sid} —" in proc.stdout, proc.stderr
            written = certs / "station" / "audit.json"  # -o: written on her station, by her
            proc = as_user(accounts, "stranger", "exam", "audit", sid, "--json", env=env)
            assert proc.returncode == 0 and any(r["verb"] == "exam show" for r in json.loads(proc.stdout)), proc.stderr
            proc = as_user(accounts, "stranger", "attempts", "--json", "-o", str(written), env=env)
            assert proc.returncode == 0 and isinstance(json.loads(written.read_text()), list), proc.stderr
            assert written.stat().st_uid == accounts.uid("stranger")
            proc = as_user(accounts, "stranger", "exam", "new", "--count", "1", env=env)
            assert proc.returncode == 3 and "jury (réseau)" in proc.stderr
            assert as_user(accounts, "stranger", "logout", env=env).returncode == 0
            proc = as_user(accounts, "stranger", "exam", "show", sid, env=env)  # her Unix account's rights: none
            assert proc.returncode == 3 and "(candidat)" in proc.stderr, proc.stderr
        finally:
            svc.stop()
            forget_service_files()
    finally:
        shutil.rmtree(certs, ignore_errors=True)
