"""The data behind mobile-synchro, without a lab: Radicale's password hashes, the seeded account,
the phone's configuration as the probes read it."""

from __future__ import annotations

import configparser
import json
import shutil
import subprocess

import pytest

from simulateur.lab.services import ServiceContext
from simulateur.lab.services.radicale import Radicale, account_data, apr1
from simulateur.lab.services.vdirsyncer import Vdirsyncer
from simulateur.probes.mobile import uids


def test_apr1_is_what_htpasswd_writes():
    assert apr1("Tilleul-4821", ".oFqDLDn") == "$apr1$.oFqDLDn$bmL3bT1QV8nja4hKVStQV1"


@pytest.mark.skipif(not shutil.which("htpasswd"), reason="apache2-utils absent")
@pytest.mark.parametrize("password", ["a", "Mistral-1234", "x" * 40, "é-ç"])
def test_apr1_accepted_by_htpasswd(tmp_path, password):
    users = tmp_path / "users"
    users.write_text(f"u:{apr1(password, 'Q/.9aB3c')}\n")
    assert subprocess.run(["htpasswd", "-vb", str(users), "u", password], capture_output=True).returncode == 0


def test_account_data_is_drawn_from_the_seed():
    one, again, other = account_data(1, "mmartin"), account_data(1, "mmartin"), account_data(2, "mmartin")
    assert [i.uid for i in one.server["contacts"]] == [i.uid for i in again.server["contacts"]]
    assert {i.uid for i in one.server["contacts"]}.isdisjoint(i.uid for i in other.server["contacts"])
    server = {i.uid for i in one.server["contacts"]}
    phone = {i.uid for i in one.phone["contacts"]}
    own = {i.uid for i in one.phone_only["contacts"]}
    assert len(server - phone) == 3 and own == phone - server and len(own) == 1  # both ways to sync
    assert {i.uid for i in one.server["agenda"]} > {i.uid for i in one.phone["agenda"]}
    for item in one.server["contacts"] + one.server["agenda"]:
        assert uids(item.text) == {item.uid}


def test_uids_unfolds_and_takes_parameters():
    text = "BEGIN:VCARD\r\nUID;VALUE=TEXT:abc-\r\n def\r\nFN:X\r\nEND:VCARD\r\n"
    assert uids(text) == {"abc-def"}


def test_phone_files_keep_the_password_out_of_the_configuration():
    ctx = ServiceContext(host="mobile", hosts_addr={}, seed=3)
    phone = Vdirsyncer(
        type="vdirsyncer", server="srv", url="http://srv.exemple.lan:5232/", user="mmartin", password="Lavande-2772"
    )
    files = phone.files(ctx)
    config, mode = files[Vdirsyncer.config_path]
    assert "Lavande-2772" not in config and mode == 0o600
    assert files[f"{Vdirsyncer.keystore}/mmartin"] == ("Lavande-2772\n", 0o600)
    parser = configparser.RawConfigParser()
    parser.read_string(config)
    storages = {
        s.split(" ", 1)[1]: {k: json.loads(v) for k, v in parser.items(s)}
        for s in parser.sections()
        if s.startswith("storage ")
    }
    assert storages["bureau_contacts"]["url"] == "http://srv.exemple.lan:5232/mmartin/contacts/"
    assert storages["bureau_agenda"]["type"] == "caldav"
    server = Radicale(type="radicale", user="mmartin", password="Lavande-2772").files(ctx)
    on_server = {p.rsplit("/", 1)[1][:-4] for p in server if p.endswith(".vcf")}
    on_phone = {p.rsplit("/", 1)[1][:-4] for p in files if p.endswith(".vcf")}
    assert len(on_server & on_phone) == 2 and len(on_phone - on_server) == 1
    assert server["/etc/radicale/users"][0].startswith("mmartin:$apr1$")
