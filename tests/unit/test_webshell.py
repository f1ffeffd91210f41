"""The websocket shell's small rules: a cookie counts only from a page of this site; the remote
CLI's websocket address follows its login's URL (TLS kept); sizes are bounded."""

from __future__ import annotations

from simulateur.serve.remote_shell import _ws_url
from simulateur.serve.webshell import _size, same_origin


def test_same_origin_only() -> None:
    assert same_origin({"origin": "http://127.0.0.1:8470", "host": "127.0.0.1:8470"})
    assert same_origin({"origin": "https://Labo-1:8470", "host": "labo-1:8470"})
    assert not same_origin({"origin": "http://ailleurs.example", "host": "127.0.0.1:8470"})
    assert not same_origin({"origin": "http://127.0.0.1:9999", "host": "127.0.0.1:8470"})
    assert not same_origin({"host": "127.0.0.1:8470"})  # no Origin: not a page of ours
    assert not same_origin({"origin": "null", "host": "127.0.0.1:8470"})


def test_ws_url_keeps_tls() -> None:
    assert (
        _ws_url("https://labo-1:8470/", {"lab": "eb1", "host": "poste"})
        == "wss://labo-1:8470/api/shell?lab=eb1&host=poste"
    )
    assert _ws_url("http://127.0.0.1:8470", {"lab": "a b"}) == "ws://127.0.0.1:8470/api/shell?lab=a+b"


def test_sizes_bounded() -> None:
    assert _size("120", 80, 500) == 120
    assert _size("99999", 80, 500) == 500
    assert _size("-3", 80, 500) == 2
    assert _size(None, 80, 500) == 80 and _size("x", 24, 200) == 24
