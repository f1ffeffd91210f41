"""The parts of the Active Directory and file-share support that need no lab: configuration texts,
naming rules, how the journal reads samba-tool, how probes read DNs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from simulateur.errors import SimError
from simulateur.journal.classify import Kind, classify
from simulateur.lab import adtemplate
from simulateur.lab.services.base import ServiceContext
from simulateur.lab.services.samba_ad import AdClient, SambaAD, base_dn, krb5_conf
from simulateur.lab.services.samba_fs import SambaFs
from simulateur.probes.directory import group_names, ou_of, state_words


def test_realm_workgroup_and_logins():
    assert adtemplate.realm_of("compta.lan") == "COMPTA.LAN"
    assert adtemplate.workgroup_of("compta.lan") == "COMPTA"
    assert adtemplate.login_of("Céline", "Renaud") == "Celine.Renaud"
    assert adtemplate.login_of("Émilie", "Carpentier") == "Emilie.Carpentier"
    assert base_dn("agence.lan") == "DC=agence,DC=lan"


def test_dc_configuration_has_no_internal_dns_and_plain_ldap():
    conf = adtemplate.smb_conf("bureau.lan")
    assert "realm = BUREAU.LAN" in conf and "workgroup = BUREAU" in conf
    services = next(line for line in conf.splitlines() if "server services" in line)
    assert "dns" not in services.split("=", 1)[1]
    assert "ldap server require strong auth = no" in conf
    assert "interfaces = lo" not in conf and "interfaces = lo" in adtemplate.smb_conf("bureau.lan", build=True)


def test_dc_keeps_nt_acls_in_a_user_xattr_when_built_and_in_labs():
    """A host's root cannot write security.NTACL (no CAP_SYS_ADMIN): both configurations say user.NTACL."""
    for conf in (adtemplate.smb_conf("bureau.lan"), adtemplate.smb_conf("bureau.lan", build=True)):
        assert "\tacl_xattr:security_acl_name = user.NTACL\n" in conf
    assert '--option="acl_xattr:security_acl_name = $NTACL"' in adtemplate.BUILD_SCRIPT


def _sysvol(root: Path) -> Path:
    sysvol = root / "state" / "sysvol"
    (sysvol / "bureau.lan" / "scripts").mkdir(parents=True)
    (sysvol / "bureau.lan" / "scripts" / "logon.cmd").write_text("net use\n")
    for path in (sysvol, *sysvol.rglob("*")):
        os.setxattr(path, "user.NTACL", b"acl")
    return sysvol


def test_template_check_refuses_a_sysvol_path_without_its_user_ntacl(tmp_path: Path):
    sysvol = _sysvol(tmp_path)
    adtemplate._check_ntacls("bureau.lan", sysvol)
    os.removexattr(sysvol / "bureau.lan" / "scripts", "user.NTACL")
    with pytest.raises(SimError, match="state/sysvol/bureau.lan/scripts"):
        adtemplate._check_ntacls("bureau.lan", sysvol)


@pytest.mark.skipif(os.geteuid() != 0, reason="writing security.NTACL needs root")
def test_template_check_refuses_a_security_ntacl(tmp_path: Path):
    sysvol = _sysvol(tmp_path)
    os.setxattr(sysvol / "bureau.lan" / "scripts" / "logon.cmd", "security.NTACL", b"acl")
    with pytest.raises(SimError, match="logon.cmd"):
        adtemplate._check_ntacls("bureau.lan", sysvol)


def test_recipe_hash_is_stable_and_covers_the_recipe():
    assert adtemplate.recipe_hash() == adtemplate.recipe_hash()
    spec = adtemplate.bake_spec()
    logins = [u["login"] for u in spec["users"]]  # type: ignore[index]
    assert len(logins) == len(set(logins)) == len(adtemplate.STAFF)
    groups = {g["name"] for g in adtemplate.GROUPS}
    assert all(set(u["groups"]) <= groups for u in spec["users"])  # type: ignore[index]


def test_dc_and_client_files():
    ctx = ServiceContext(host="dc", hosts_addr={"dc": "10.0.0.61"})
    dc = SambaAD(type="samba_ad", domain="cabinet.lan", admin_password="Phare-Adm42!")
    files = dc.files(ctx)
    assert "/var/lib/samba/" in files and "/etc/samba/" in files  # private, opaque directories
    assert "Phare-Adm42!" in str(files["/etc/simulateur/ad-init.json"][0])
    assert files["/etc/simulateur/ad-init.json"][1] == 0o600
    assert dc.ports() == [("tcp", 389), ("tcp", 88)]
    client = AdClient(type="ad_client", domain="cabinet.lan").files(ServiceContext(host="technicien", hosts_addr={}))
    assert "kdc = dc.cabinet.lan" in str(client["/etc/krb5.conf"][0])
    assert "URI\tldap://dc.cabinet.lan" in str(client["/etc/ldap/ldap.conf"][0])
    assert "default_realm = CABINET.LAN" in krb5_conf("cabinet.lan", "dc")


def test_file_server_shares_and_setup():
    fs = SambaFs(
        type="samba_fs",
        shares=[{"name": "Comptabilite", "group": "comptabilite"}],
        users=[{"login": "mmartin", "name": "Marie Martin", "password": "Ard'oise-1", "groups": ["comptabilite"]}],
    )
    conf = fs.smb_conf("srv")
    assert "[Comptabilite]" in conf and "valid users = @comptabilite" in conf and "read only = no" in conf
    script = fs.setup_script()
    assert "groupadd comptabilite" in script and "chmod 2770 /srv/partages/Comptabilite" in script
    assert "'Ard'\"'\"'oise-1'" in script  # a password is one shell word, whatever it holds
    assert fs.enabled is True and SambaFs(type="samba_fs", enabled=False, shares=fs.shares).enabled is False


def test_journal_reads_samba_tool_like_a_jury():
    assert classify("samba-tool user show Sophie.Martin -H ldap://dc.x.lan -U Administrator") == Kind.DIAGNOSTIC
    assert classify("samba-tool domain passwordsettings show") == Kind.DIAGNOSTIC
    assert classify("samba-tool group listmembers GG_Comptabilite") == Kind.DIAGNOSTIC
    assert classify("samba-tool user enable Sophie.Martin") == Kind.CHANGE
    assert classify("samba-tool user unlock Sophie.Martin") == Kind.CHANGE
    assert classify("samba-tool dbcheck") == Kind.DIAGNOSTIC
    assert classify("samba-tool dbcheck --fix") == Kind.CHANGE
    assert classify("ldapsearch -x -b DC=x,DC=lan") == Kind.DIAGNOSTIC
    assert classify("ldapmodify -x -D Administrator@x.lan -w pw") == Kind.CHANGE
    assert classify("kinit Sophie.Martin") == Kind.TEST
    assert classify("pdbedit -L") == Kind.DIAGNOSTIC
    assert classify("setfacl -m g:comptabilite:rwx /srv/partages/Comptabilite") == Kind.CHANGE


def test_probe_readings_of_dns_and_states():
    assert ou_of("CN=Kevin.Petit,OU=RH,DC=a,DC=lan") == "RH"
    assert ou_of("CN=Kevin.Petit,CN=Users,DC=a,DC=lan") == "Users"
    assert group_names(["CN=Paie,OU=RH,DC=a,DC=lan", "CN=GG_RH,OU=RH,DC=a,DC=lan"]) == ["GG_RH", "Paie"]
    user = {"uac": 0x2 | 0x10000, "uac_computed": 0x10, "pwdLastSet": 0}
    words = state_words(user)
    assert words[0] == "désactivé" and "verrouillé" in words and any("jamais" in w for w in words)
