"""partage-droits-service end to end, on real labs (smbd on srv, probes over SMB from poste with each
user's own password): every fault variant proved by the self-test; right fixes by different routes
pass, wrong ones (too wide, or the wrong group) fail — verdict by verdict, on the same lab."""

from __future__ import annotations

from labhelpers import sim, verdicts

SCENARIO = "partage-droits-service"
RIGHT = {"TAI.CP8.1": "acquis", "TAI.CP1.1": "acquis", "TAI.CT3.1": "acquis", "TAI.CP1.2": "jury", "TAI.CP1.3": "jury"}


def ex(lab: str, host: str, cmd: str, check: bool = True) -> int:
    return sim("exec", lab, host, "--", cmd, check=check).code


def probes(lab: str) -> dict[str, bool]:
    return {p["id"]: p["ok"] for p in sim("check", lab, "--json").json()["probes"]}


def diagnose(lab: str) -> None:
    ex(lab, "srv", "testparm -s 2>/dev/null | grep -A6 Comptabilite")
    ex(lab, "srv", "ls -ld /srv/partages/*")
    ex(lab, "srv", "getent group comptabilite commercial")


def test_selftest_every_variant():
    run = sim("selftest", SCENARIO, "--seeds", "1,2,3", timeout=600)
    assert run.code == 0, [line for line in run.out.splitlines() if not line.startswith("OK")]
    for variant in ("droits", "groupe_dossier", "lecture_seule", "membre_retire"):
        assert f"variante {variant}" in run.out, run.out


def test_rights_777_everywhere_fails_then_2770_passes(started):
    info = started(SCENARIO, seed=1, variant="droits")
    lab = info["lab"]
    diagnose(lab)
    sim("qualify", lab, "--impact", "moyen", "--urgency", "haute")
    # Wrong: everybody gets every right on every department's folder. She saves again, but any
    # account of the server now reads the other departments' documents.
    ex(lab, "srv", "chmod -R 777 /srv/partages")
    got = verdicts(lab)
    assert got == {**RIGHT, "TAI.CP1.1": "non_acquis", "TAI.CT3.1": "non_acquis"}, got
    assert probes(lab) == {
        "enregistre": True,
        "collegue": True,
        "dossier": False,
        "dossier_commercial": False,
        "commercial_ecrit": True,
        "confidentialite": True,
        "cloisonnement": True,
    }
    # Right: the site's rule, folder by folder (root:group, 2770).
    ex(lab, "srv", "chmod 2770 /srv/partages/Comptabilite /srv/partages/Commercial /srv/partages/Direction")
    assert verdicts(lab) == RIGHT


def test_member_added_to_wrong_group_fails_then_usermod_passes(started):
    info = started(SCENARIO, seed=2, variant="membre_retire")
    lab = info["lab"]
    diagnose(lab)
    sim("qualify", lab, "--impact", "moyen", "--urgency", "haute")
    # Wrong: she is put in the commercial group — she still cannot save in her share, and now
    # opens the commercial service's one.
    ex(lab, "srv", "gpasswd -a mmartin commercial")
    got = verdicts(lab)
    assert got == {**RIGHT, "TAI.CP1.1": "non_acquis", "TAI.CT3.1": "non_acquis"}, got
    assert probes(lab) == {
        "enregistre": False,
        "collegue": True,
        "dossier": True,
        "dossier_commercial": True,
        "commercial_ecrit": True,
        "confidentialite": False,
        "cloisonnement": True,
    }
    # Right (another tool): out of the wrong group, back in her own.
    ex(lab, "srv", "gpasswd -d mmartin commercial && usermod -aG comptabilite mmartin")
    assert verdicts(lab) == RIGHT


def test_read_only_share_fixed_in_smb_conf_passes(started):
    info = started(SCENARIO, seed=3, variant="lecture_seule")
    lab = info["lab"]
    diagnose(lab)
    sim("qualify", lab, "--impact", "moyen", "--urgency", "haute")
    # Right (configuration route): the share's own line, then the service restarted.
    ex(lab, "srv", "cp /etc/samba/smb.conf /root/smb.conf.avant")
    ex(lab, "srv", r"sed -i '/^\[Comptabilite\]/,/^\[/ s/read only = yes/read only = no/' /etc/samba/smb.conf")
    ex(lab, "srv", "testparm -s >/dev/null && systemctl restart smbd")
    assert verdicts(lab) == RIGHT
