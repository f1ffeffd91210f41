"""The Compta Pro scenarios (lab APT repository on srv, the accounting application on poste):
deploy on request, roll back a broken update, free a full data partition. Right fixes by different
routes pass, wrong or partial ones fail — on real labs where apt-get and dpkg run inside the
host, against its own dpkg database: the machine's stays identical."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from labhelpers import sim

CONF = "/etc/compta-pro/compta-pro.conf"


def ex(lab: str, host: str, cmd: str, check: bool = True) -> None:
    sim("exec", lab, host, "--", cmd, check=check, timeout=180)


def check(lab: str) -> tuple[dict[str, tuple[bool, str]], dict[str, str]]:
    """(probe id → (ok, observed), criterion id → verdict) from one check of the lab."""
    result = sim("check", lab, "--json").json()
    return (
        {p["id"]: (p["ok"], p["observed"]) for p in result["probes"]},
        {c["id"]: c["verdict"] for c in result["criteria"]},
    )


def machine_packages() -> dict[str, str]:
    """The machine's own APT and dpkg state: configuration, database, lists and cache."""
    out: dict[str, str] = {}
    for top in ("/etc/apt", "/var/lib/dpkg", "/var/lib/apt", "/var/cache/apt", "/var/log/apt"):
        for path in sorted(Path(top).rglob("*")) if os.path.isdir(top) else []:
            if path.is_symlink():
                out[str(path)] = "-> " + os.readlink(path)
            elif path.is_file():
                st = path.stat()
                small = st.st_size < 4 << 20
                out[str(path)] = (
                    hashlib.sha256(path.read_bytes()).hexdigest() if small else f"{st.st_size}/{st.st_mtime_ns}"
                )
            else:
                out[str(path)] = "dir"
    for name in ("/etc/compta-pro", "/usr/bin/compta-pro", "/var/lib/compta-pro"):
        out[name] = str(os.path.exists(name))
    return out


@pytest.mark.parametrize("scenario", ["compta-deploiement", "compta-mise-a-jour", "compta-disque-plein"])
def test_selftest_on_three_seeds(scenario):
    run = sim("selftest", scenario, "--seeds", "1,2,3", timeout=400, check=False)
    failed = "\n".join(line for line in run.out.splitlines() if not line.startswith("OK "))
    assert run.code == 0 and "ÉCHEC" not in run.out and run.out.count("OK ") >= 3, failed + run.err


# --- compta-deploiement ----------------------------------------------------------------------
DEPLOY_ALL = {"TAI.CP12.1": "acquis", "TAI.CP12.2": "acquis", "TAI.CP12.3": "jury", "TAI.CT3.2": "acquis"}


def _licence(info: dict) -> tuple[str, str]:
    """The company and key of the editor's mail on the poste (the key is a function of the company),
    the company escaped for sed and ed (« & » is the matched text there)."""
    from simulateur.depot.licence import licence_key

    societe = info["params"]["societe"]
    return societe.replace("&", "\\&"), licence_key(societe)


def test_deploy_latest_version_then_the_validated_one_machine_untouched(started):
    before = machine_packages()
    info = started("compta-deploiement", seed=5)
    lab, p = info["lab"], info["params"]
    societe, cle = _licence(info)
    ex(lab, "poste", "apt-get update")
    # The host's APT knows the site's repository and nothing else (never the Debian mirrors).
    ex(
        lab,
        "poste",
        f"test \"$(apt-get indextargets --format '$(SITE)' | sort -u)\" = http://srv.{p['domaine']}/depot "
        '&& test -z "$(ls /etc/apt/sources.list.d)"',
    )
    ex(lab, "poste", "DEBIAN_FRONTEND=noninteractive apt-get install -y compta-pro")  # 2.4.0: not validated
    ex(lab, "poste", "systemctl status compta-pro", check=False)  # the licence is missing: failed
    ex(lab, "poste", f"cp -p {CONF} {CONF}.orig")
    ex(
        lab,
        "poste",
        f"sed -i -e 's/^societe =.*/societe = {societe}/' -e 's/^cle =.*/cle = {cle}/' "
        f"-e 's/^exercice_debut = .*/exercice_debut = {p['exercice']}/' {CONF}",
    )
    ex(lab, "poste", "systemctl restart compta-pro")
    ex(lab, "poste", "compta-pro etat")
    seen, verdicts = check(lab)
    assert seen["version_validee"] == (False, "compta-pro 2.4.0 installé sur poste — version attendue : 2.3.1")
    assert not seen["compta_demarre"][0] and "version = 2.4.0 (attendu 2.3.1)" in seen["compta_demarre"][1]
    assert seen["parametrage"][0] and seen["config_privee"][0]
    assert verdicts == {**DEPLOY_ALL, "TAI.CP12.1": "non_acquis"}
    # Right: the validated version, asked by its number (the configuration is kept).
    ex(lab, "poste", "apt-cache policy compta-pro")
    ex(lab, "poste", "DEBIAN_FRONTEND=noninteractive apt-get install -y --allow-downgrades compta-pro=2.3.1")
    ex(lab, "poste", "compta-pro etat")
    assert check(lab)[1] == DEPLOY_ALL
    # apt-get ran inside the host: its dpkg database has the package, the machine's does not.
    assert machine_packages() == before


def test_deploy_with_apt_get_download_dpkg_and_ed(started):
    info = started("compta-deploiement", seed=6)
    lab, p = info["lab"], info["params"]
    societe, cle = _licence(info)
    ex(lab, "poste", "cat /root/licence-compta-pro.txt")
    ex(lab, "poste", "apt-get update && cd /root && apt-get download compta-pro=2.3.1")
    ex(lab, "poste", "dpkg -i /root/compta-pro_2.3.1_all.deb")
    ex(lab, "poste", f"tar czf /root/compta-pro-conf.tgz {CONF}")
    script = (
        f",s/^societe =.*/societe = {societe}/\\n,s/^cle =.*/cle = {cle}/\\n"
        f",s/^exercice_debut = .*/exercice_debut = {p['exercice']}/\\nw\\nq\\n"
    )
    ex(lab, "poste", f"printf '{script}' | ed -s {CONF}")
    ex(lab, "poste", "systemctl restart compta-pro")
    ex(lab, "poste", "curl -s http://127.0.0.1:8470/etat")
    assert check(lab)[1] == DEPLOY_ALL


def test_deploy_config_rewritten_world_readable_without_the_setting(started):
    info = started("compta-deploiement", seed=7)
    lab = info["lab"]
    societe, cle = _licence(info)
    ex(lab, "poste", "apt-get update")
    ex(lab, "poste", "DEBIAN_FRONTEND=noninteractive apt-get install -y compta-pro=2.3.1")
    # A new file written over the delivered one, no copy, opened to everyone, start of year forgotten.
    ex(lab, "poste", f"printf '[licence]\\nsociete = {societe}\\ncle = {cle}\\n' > {CONF}; chmod 644 {CONF}")
    ex(lab, "poste", "systemctl restart compta-pro")
    ex(lab, "poste", "compta-pro etat")
    seen, verdicts = check(lab)
    assert seen["compta_demarre"][0] and seen["version_validee"][0]
    assert "exercice_debut = 01-01" in seen["parametrage"][1]
    assert "lisible par tous" in seen["config_privee"][1]
    assert verdicts == {
        "TAI.CP12.1": "acquis",
        "TAI.CP12.2": "non_acquis",
        "TAI.CP12.3": "non_acquis",
        "TAI.CT3.2": "non_acquis",
    }


# --- compta-mise-a-jour ----------------------------------------------------------------------
ROLLBACK_OK = {
    "TAI.CP4.3": "acquis",
    "TAI.CP3.4": "acquis",
    "TAI.CP3.2": "jury",
    "TAI.CP3.3": "jury",
    "TAI.CP12.1": "acquis",
}


def _diagnose_update(lab: str) -> None:
    ex(lab, "poste", "systemctl status compta-pro", check=False)
    ex(lab, "poste", "journalctl -u compta-pro -n 20")
    ex(lab, "poste", "grep -A3 Commandline /var/log/apt/history.log")


def test_rollback_without_hold_then_apt_mark_hold(started):
    info = started("compta-mise-a-jour", seed=5, variant="cache_vide")
    lab, old = info["lab"], info["params"]["ancienne"]
    _diagnose_update(lab)
    ex(lab, "poste", "ls /var/cache/apt/archives/")
    ex(lab, "poste", f"DEBIAN_FRONTEND=noninteractive apt-get install -y --allow-downgrades compta-pro={old}")
    ex(lab, "poste", "compta-pro etat")
    seen, verdicts = check(lab)
    assert seen["version_origine"][0] and seen["compta_repond"][0] and "4 dossiers" in seen["compta_repond"][1]
    assert seen["version_bloquee"] == (
        False,
        f"compta-pro {old} installé sur poste — sa version n'est pas bloquée : la prochaine mise à jour la remplacera",
    )
    assert verdicts == {**ROLLBACK_OK, "TAI.CP3.4": "non_acquis"}
    # Right: the version held.
    ex(lab, "poste", "apt-mark hold compta-pro")
    ex(lab, "poste", "apt-mark showhold")
    ex(lab, "poste", "compta-pro etat")
    seen, verdicts = check(lab)
    assert seen["version_bloquee"] == (True, f"compta-pro {old} installé sur poste, bloqué (hold)")
    assert verdicts == ROLLBACK_OK
    # The hold is real: an upgrade leaves the package alone.
    ex(lab, "poste", "DEBIAN_FRONTEND=noninteractive apt-get upgrade -y")
    assert check(lab)[0]["version_bloquee"][0]


def test_rollback_by_removing_then_dpkg_from_the_cache_and_set_selections(started):
    info = started("compta-mise-a-jour", seed=5, variant="paquet_en_cache")
    lab, old = info["lab"], info["params"]["ancienne"]
    _diagnose_update(lab)
    ex(lab, "poste", "DEBIAN_FRONTEND=noninteractive apt-get remove -y compta-pro")
    ex(lab, "poste", "compta-pro etat", check=False)
    seen, verdicts = check(lab)
    assert seen["version_origine"] == (False, "compta-pro n'est pas installé sur poste (état dpkg : config-files)")
    assert seen["dossiers_intacts"][0]  # apt-get remove keeps the data
    assert verdicts == {
        "TAI.CP4.3": "acquis",
        "TAI.CP3.4": "non_acquis",
        "TAI.CP3.2": "jury",
        "TAI.CP3.3": "non_acquis",
        "TAI.CP12.1": "non_acquis",
    }
    # Right, by dpkg: the old package from APT's cache, held by dpkg's selections.
    ex(lab, "poste", "dpkg -l compta-pro")
    ex(lab, "poste", f"dpkg -i /var/cache/apt/archives/compta-pro_{old}_all.deb")
    ex(lab, "poste", "echo 'compta-pro hold' | dpkg --set-selections")
    ex(lab, "poste", "curl -s http://127.0.0.1:8470/etat")
    assert check(lab)[1] == ROLLBACK_OK


# --- compta-disque-plein ---------------------------------------------------------------------
DISK_OK = {
    "TAI.CP4.3": "jury",
    "TAI.CP4.5": "acquis",
    "TAI.CP4.6": "jury",
    "TAI.CP4.7": "acquis",
    "TAI.CT3.2": "acquis",
}


def _diagnose_disk(lab: str) -> None:
    ex(lab, "poste", "journalctl -u compta-pro -n 5")
    ex(lab, "poste", "df -h")
    ex(lab, "poste", "du -sh /var/lib/compta-pro/*")


def test_disk_old_logs_deleted(started):
    info = started("compta-disque-plein", seed=5, variant="vieux_journaux")
    lab = info["lab"]
    _diagnose_disk(lab)
    ex(lab, "poste", "ls -lh /var/lib/compta-pro/journaux")
    ex(lab, "poste", "rm /var/lib/compta-pro/journaux/compta-pro.log.*")
    ex(lab, "poste", "systemctl restart compta-pro")
    ex(lab, "poste", "compta-pro etat")
    seen, verdicts = check(lab)
    assert seen["espace_libre"][0] and seen["dossiers_intacts"][0]
    assert verdicts == DISK_OK


def test_disk_debug_log_emptied_but_debug_left_on_then_level_back_to_info(started):
    info = started("compta-disque-plein", seed=5, variant="journal_debug")
    lab = info["lab"]
    _diagnose_disk(lab)
    ex(lab, "poste", "tail -3 /var/lib/compta-pro/journaux/compta-pro.log")
    ex(lab, "poste", "gzip -c /var/lib/compta-pro/journaux/compta-pro.log > /root/compta-pro-debug.log.gz")
    ex(lab, "poste", ": > /var/lib/compta-pro/journaux/compta-pro.log")
    ex(lab, "poste", "systemctl restart compta-pro")
    ex(lab, "poste", "compta-pro etat")
    seen, verdicts = check(lab)
    assert seen["espace_libre"][0]
    assert not seen["compta_repond"][0] and "niveau_journal = debug (attendu info)" in seen["compta_repond"][1]
    assert verdicts == {**DISK_OK, "TAI.CP4.5": "non_acquis", "TAI.CP4.7": "non_acquis"}
    # Right: the level back to info, else the log fills the partition again.
    ex(lab, "poste", f"sed -i 's/^niveau_journal = debug/niveau_journal = info/' {CONF}")
    ex(lab, "poste", "systemctl restart compta-pro")
    ex(lab, "poste", "curl -s http://127.0.0.1:8470/")
    assert check(lab)[1] == DISK_OK


def test_disk_user_data_deleted_to_make_room(started):
    info = started("compta-disque-plein", seed=5, variant="exports_temporaires")
    lab = info["lab"]
    _diagnose_disk(lab)
    ex(lab, "poste", "rm -rf /var/lib/compta-pro/dossiers/* /var/lib/compta-pro/cache/exports")
    ex(lab, "poste", "systemctl restart compta-pro")
    ex(lab, "poste", "compta-pro etat")
    seen, verdicts = check(lab)
    assert seen["espace_libre"][0]
    assert not seen["compta_repond"][0] and "0 dossier lu (attendu 4)" in seen["compta_repond"][1]
    assert not seen["dossiers_intacts"][0]
    assert seen["dossiers_intacts"][1].startswith("données clients de poste atteintes : 20 fichiers supprimés")
    assert verdicts == {
        "TAI.CP4.3": "jury",
        "TAI.CP4.5": "non_acquis",
        "TAI.CP4.6": "non_acquis",
        "TAI.CP4.7": "non_acquis",
        "TAI.CT3.2": "non_acquis",
    }
    # Unmounting the partition is no way to free it either: root in a host can mount or unmount
    # nothing (simulateur.lab.profile), and the data partition is still the full one.
    run = sim("exec", lab, "poste", "--", "systemctl stop compta-pro; umount /var/lib/compta-pro", check=False)
    assert run.code != 0 and "umount" in run.err
    assert check(lab)[0]["espace_libre"][0]
