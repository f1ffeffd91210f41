"""dns.resolve with from_dns: a name the poste resolves from a line of its own /etc/hosts is
pinned there (it will not follow the server), whatever its resolver would ask the DNS — the
class of « stale /etc/hosts line corrected instead of removed » and « name pinned beside a fixed
resolver »."""

from __future__ import annotations

from simulateur.probes.network import pinned_in_hosts

RESOLV = "domain cabinet.lan\nsearch cabinet.lan\nnameserver 192.168.81.36\n"
BASE = "127.0.0.1\tlocalhost\n127.0.1.1\tposte.cabinet.lan poste\n::1\tlocalhost ip6-localhost\n"


class Host:
    def __init__(self, hosts: str, resolv: str = RESOLV) -> None:
        self.files = {"/etc/hosts": hosts, "/etc/resolv.conf": resolv}

    def read_text(self, path: str) -> str | None:
        return self.files.get(path)


def test_a_clean_hosts_file_pins_nothing():
    assert not pinned_in_hosts(Host(BASE), "srv.cabinet.lan")


def test_the_right_address_pinned_is_still_pinned():
    assert pinned_in_hosts(Host(BASE + "192.168.81.36 srv.cabinet.lan srv\n"), "srv.cabinet.lan")


def test_short_or_qualified_forms_through_the_search_domain():
    assert pinned_in_hosts(Host(BASE + "192.168.81.36\tsrv\n"), "srv.cabinet.lan")
    assert pinned_in_hosts(Host(BASE + "192.168.81.36\tSRV.cabinet.lan\n"), "srv")


def test_comments_and_other_names_do_not_count():
    hosts = BASE + "# 192.168.81.36 srv.cabinet.lan srv\n192.168.81.40 srv2.cabinet.lan # srv\n"
    assert not pinned_in_hosts(Host(hosts), "srv.cabinet.lan")
