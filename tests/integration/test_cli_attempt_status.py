"""An attempt made with the command line only (start, check, stop) ends up handed in or abandoned
in the store — never « en cours » for ever — on both backends (SQLite, a real PostgreSQL)."""

from __future__ import annotations

from labhelpers import sim

from simulateur.session.store import Store


def test_check_hands_in_and_stop_abandons_an_unchecked_attempt(store_url: str) -> None:
    env = {"SIMULATEUR_STORE": store_url}
    labs: list[str] = []
    try:
        first = sim("start", "dhcp-serveur-arrete", "--seed", "7", "--json", env=env).json()
        labs.append(first["lab"])
        second = sim("start", "dhcp-serveur-arrete", "--seed", "8", "--json", env=env).json()
        labs.append(second["lab"])
        store = Store(url=store_url)
        assert store.attempt(first["attempt"]).status == "en_cours"
        sim("exec", first["lab"], "srv", "--", "systemctl start dnsmasq", env=env, check=False)
        sim("check", first["lab"], "--json", env=env)
        rec = store.attempt(first["attempt"])
        assert rec.status == "soumise" and rec.checked is not None and rec.submitted == rec.checked
        for lab in list(labs):
            sim("stop", lab, env=env)
            labs.remove(lab)
        assert [store.attempt(x["attempt"]).status for x in (first, second)] == ["soumise", "abandonnee"]
    finally:
        for lab in labs:
            sim("stop", lab, check=False, env=env)
