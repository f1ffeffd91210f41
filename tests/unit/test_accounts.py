"""Accounts, tokens and candidates' codes of the network API (exam/accounts.py), on both backends;
the login throttle, the listen address rule and who a network peer is (serve/api.py, roles.py)."""

from __future__ import annotations

import time

import pytest

from simulateur.errors import UsageError
from simulateur.exam.accounts import Accounts, normal_code
from simulateur.exam.models import ExamSession, Intervention
from simulateur.serve import api, roles
from simulateur.session.store import Store
from simulateur.store import schema


def test_accounts_passwords_tokens(store_url: str) -> None:
    acc = Accounts(Store(url=store_url))
    acc.add("jury1", ["jury"], "un-secret-assez-long")
    with pytest.raises(UsageError, match="existe déjà"):
        acc.add("jury1", ["formateur"], "un-autre-secret-long")
    with pytest.raises(UsageError, match="trop court"):
        acc.add("jury2", ["jury"], "court")
    with pytest.raises(UsageError, match="rôle inconnu"):
        acc.add("jury2", ["admin"], "un-secret-assez-long")
    assert acc.verify("jury1", "un-secret-assez-long") == ("jury",)
    assert acc.verify("jury1", "un-secret-assez-lonG") is None
    assert acc.verify("personne", "un-secret-assez-long") is None
    token, expires = acc.issue("jury1", ("jury",), hours=1)
    found = acc.token(token)
    assert found is not None and found.login == "jury1" and found.roles == ("jury",) and expires > time.time()
    assert acc.token(token + "x") is None
    with acc.store._read() as conn:  # neither the password nor the token is kept
        stored = " ".join(
            str(v) for t in (schema.accounts, schema.api_tokens) for row in conn.execute(t.select()) for v in row
        )
    assert "un-secret-assez-long" not in stored and token not in stored
    acc.set_password("jury1", "nouveau-secret-long")
    assert acc.token(token) is None and acc.verify("jury1", "nouveau-secret-long") == ("jury",)
    token, _ = acc.issue("jury1", ("jury",))
    acc.remove("jury1")
    assert acc.token(token) is None and acc.all() == []


def test_codes_are_hers_until_a_new_one(store_url: str) -> None:
    acc = Accounts(Store(url=store_url))
    codes = acc.new_codes("eb1", ["Alice Martin", "Bruno Petit"])
    assert len(set(codes.values())) == 2 and all(len(normal_code(c)) == 10 for c in codes.values())
    assert acc.code_owner(codes["Alice Martin"].lower()) == ("eb1", "alice martin")
    token, _ = acc.issue("code:Alice Martin", (), session="eb1", candidate="Alice Martin")
    again = acc.new_codes("eb1", ["Alice Martin"])
    assert acc.code_owner(codes["Alice Martin"]) is None and acc.token(token) is None
    assert acc.code_owner(again["Alice Martin"]) == ("eb1", "alice martin")
    assert acc.code_owner(codes["Bruno Petit"]) == ("eb1", "bruno petit")


def test_throttle_counts_per_address_and_login(monkeypatch: pytest.MonkeyPatch) -> None:
    t = api.Throttle()
    now = [1000.0]
    monkeypatch.setattr(api.time, "time", lambda: now[0])
    for _ in range(api.FAILURES - 1):
        t.fail("10.0.0.5", "jury1")
    assert t.wait("10.0.0.5", "jury1") == 0
    t.fail("10.0.0.5", "jury1")
    assert t.wait("10.0.0.5", "jury1") > 0
    assert t.wait("10.0.0.6", "jury1") == 0 and t.wait("10.0.0.5", "form1") == 0
    now[0] += api.WINDOW + 1
    assert t.wait("10.0.0.5", "jury1") == 0


def test_listen_rule() -> None:
    assert api.parse_listen("127.0.0.1:8470", None, None).url == "http://127.0.0.1:8470"
    assert api.parse_listen("[::1]:0", None, None).host == "::1"
    for bad in ("8470", "hote:xx", "1.2.3.4:99999"):
        with pytest.raises(UsageError):
            api.parse_listen(bad, None, None)
    with pytest.raises(UsageError, match="--tls-cert"):
        api.parse_listen(":8470", None, None)
    with pytest.raises(UsageError, match="vont ensemble"):
        api.parse_listen("127.0.0.1:1", "/etc/hostname", None)


def test_a_network_peer_is_never_a_unix_account() -> None:
    session = ExamSession(
        id="eb1",
        seed=1,
        count=1,
        minutes=20,
        interventions=[Intervention(index=1, scenario="x", title="x", referentiel="TAI", competences=[], duration=20)],
        roster={"Alice Martin": "alice", "Bruno Petit": ""},
    )
    assert roles.Peer(1001, 1001, 5, "alice").candidate_in(session) == "Alice Martin"
    assert roles.Peer(-1, -1, 0, "alice", address="10.0.0.5").candidate_in(session) is None
    coded = roles.Peer(-1, -1, 0, "code:Bruno Petit", address="10.0.0.5", code=("eb1", "bruno petit"))
    assert coded.candidate_in(session) == "Bruno Petit" and coded.role() == "candidat (réseau)"
    other = ExamSession(**{**session.model_dump(), "id": "eb2"})
    assert coded.candidate_in(other) is None
    jury = roles.Peer(-1, -1, 0, "jury1", address="10.0.0.5", granted=frozenset({"jury"}))
    assert jury.jury and not jury.trainer and not jury.root and jury.role() == "jury (réseau)"
