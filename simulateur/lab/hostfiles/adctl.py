#!/usr/bin/python3 -I
"""adctl — simulateur's own hands on a Samba AD domain controller's database.

Runs with the system's python3 (python3-samba), never imports simulateur. Two places use it:
  - on the machine, while a domain template is built (`bake`), inside a private mount namespace
    where the template directory is mounted on /var/lib/samba;
  - inside a lab's `dc` host (copied to /usr/local/lib/simulateur/adctl.py), for the scenario
    actions (`user`, `expire`, `lock`) and the probes (`dump`), through the host's own sam.ldb.

Usage: adctl.py OP [SMB_CONF] < JSON ; prints JSON. Exit 0 on success, 2 with a message on error.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import ldb
from samba import dsdb
from samba.auth import system_session
from samba.crypto import md4_hash_blob
from samba.param import LoadParm
from samba.samdb import SamDB

EPOCH_DIFF = 116444736000000000  # 1601-01-01 → 1970-01-01, in 100 ns


def nttime(seconds):
    return int(seconds * 10_000_000) + EPOCH_DIFF


def open_db(conf):
    lp = LoadParm()
    lp.load(conf)
    return lp, SamDB(url=os.path.join(lp.get("private dir"), "sam.ldb"), session_info=system_session(), lp=lp)


def ou_dn(db, ou):
    """ "Comptabilite" → OU=Comptabilite,<domain>; "Users" (the default container) → CN=Users,<domain>."""
    base = str(db.domain_dn())
    if not ou:
        return "CN=Users," + base
    if ou.lower() == "users":
        return "CN=Users," + base
    return "OU=%s,%s" % (ou, base)


def find_user(db, login):
    res = db.search(
        db.domain_dn(),
        scope=ldb.SCOPE_SUBTREE,
        expression="(&(objectClass=user)(sAMAccountName=%s))" % ldb.binary_encode(login),
        attrs=["userAccountControl", "memberOf"],
    )
    return res[0] if len(res) else None


def set_uac(db, dn, set_bits=0, clear_bits=0):
    res = db.search(dn, scope=ldb.SCOPE_BASE, attrs=["userAccountControl"])
    uac = int(res[0]["userAccountControl"][0])
    new = (uac | set_bits) & ~clear_bits
    if new != uac:
        m = ldb.Message()
        m.dn = ldb.Dn(db, str(dn))
        m["userAccountControl"] = ldb.MessageElement(str(new), ldb.FLAG_MOD_REPLACE, "userAccountControl")
        db.modify(m)


def op_user(db, spec):
    """Create the account if it does not exist, then make it as `spec` says."""
    login = spec["login"]
    user = find_user(db, login)
    if user is None:
        db.newuser(
            login,
            spec["password"],
            givenname=spec.get("first"),
            surname=spec.get("last"),
            userou=ou_dn(db, spec.get("ou")).split("," + str(db.domain_dn()))[0],
            mailaddress=spec.get("mail"),
            description=spec.get("description"),
            setpassword=True,
        )
        user = find_user(db, login)
    else:
        if spec.get("password"):
            db.setpassword("(sAMAccountName=%s)" % ldb.binary_encode(login), spec["password"], False)
        names = [(a, spec.get(k)) for a, k in (("givenName", "first"), ("sn", "last")) if spec.get(k)]
        if names:
            m = ldb.Message()
            m.dn = user.dn
            for attr, value in names:
                m[attr] = ldb.MessageElement(value, ldb.FLAG_MOD_REPLACE, attr)
            db.modify(m)
        if spec.get("ou"):
            parent = ou_dn(db, spec["ou"])
            if str(user.dn).split(",", 1)[1].lower() != parent.lower():
                db.rename(user.dn, ldb.Dn(db, "%s,%s" % (str(user.dn).split(",", 1)[0], parent)))
            user = find_user(db, login)
    for group in spec.get("groups", []):
        db.add_remove_group_members(group, [login], add_members_operation=True)
    if spec.get("title"):
        m = ldb.Message()
        m.dn = user.dn
        m["title"] = ldb.MessageElement(spec["title"], ldb.FLAG_MOD_REPLACE, "title")
        db.modify(m)
    if "disabled" in spec:
        set_uac(db, user.dn, *((dsdb.UF_ACCOUNTDISABLE, 0) if spec["disabled"] else (0, dsdb.UF_ACCOUNTDISABLE)))
    if spec.get("unlock"):
        m = ldb.Message()
        m.dn = user.dn
        m["lockoutTime"] = ldb.MessageElement("0", ldb.FLAG_MOD_REPLACE, "lockoutTime")
        db.modify(m)
    if spec.get("never_expires"):
        set_uac(db, user.dn, dsdb.UF_DONT_EXPIRE_PASSWD)
    if spec.get("must_change"):
        m = ldb.Message()
        m.dn = user.dn
        m["pwdLastSet"] = ldb.MessageElement("0", ldb.FLAG_MOD_REPLACE, "pwdLastSet")
        db.modify(m)
    return {"dn": str(user.dn)}


def op_expire(lp, db, spec):
    """Date the password back `days` days (older than the domain's maximum age: expired).

    AD only lets pwdLastSet be written as 0 or -1: the value is written in the domain partition
    itself (below the DSDB modules), as if the password had been set that day."""
    user = find_user(db, spec["login"])
    if user is None:
        raise SystemExit("unknown account " + spec["login"])
    domain = str(db.domain_dn()).upper()
    part = os.path.join(lp.get("private dir"), "sam.ldb.d", domain + ".ldb")
    raw = ldb.Ldb(url="tdb://" + part, options=["modules:"])
    res = raw.search(
        base=domain,
        scope=ldb.SCOPE_SUBTREE,
        expression="(sAMAccountName=%s)" % ldb.binary_encode(spec["login"]),
        attrs=["pwdLastSet"],
    )
    m = ldb.Message()
    m.dn = res[0].dn
    m["pwdLastSet"] = ldb.MessageElement(
        str(nttime(time.time() - spec["days"] * 86400)), ldb.FLAG_MOD_REPLACE, "pwdLastSet"
    )
    raw.modify(m)
    return {"dn": str(user.dn)}


def op_lock(lp, db, spec):
    """Lock the account out the way a user does: wrong passwords typed at logon, for real (kinit
    against this DC's KDC), until the domain's lockout threshold is reached."""
    res = db.search(db.domain_dn(), scope=ldb.SCOPE_BASE, attrs=["lockoutThreshold"])
    threshold = int(res[0]["lockoutThreshold"][0])
    if threshold <= 0:
        raise SystemExit("the domain has no lockout threshold")
    realm = lp.get("realm").upper()
    with tempfile.TemporaryDirectory() as tmp:
        conf = os.path.join(tmp, "krb5.conf")
        with open(conf, "w") as f:
            f.write(
                "[libdefaults]\n default_realm = %s\n dns_lookup_kdc = false\n rdns = false\n"
                "[realms]\n %s = {\n  kdc = 127.0.0.1\n }\n" % (realm, realm)
            )
        env = {"PATH": "/usr/bin:/bin", "KRB5_CONFIG": conf, "KRB5CCNAME": "MEMORY:", "LANG": "C"}
        for i in range(threshold + 1):
            subprocess.run(
                ["kinit", "%s@%s" % (spec["login"], realm)],
                input="Mauvais-%d!\n" % i,
                env=env,
                capture_output=True,
                text=True,
                timeout=10,
            )
    user = db.search(
        db.domain_dn(),
        scope=ldb.SCOPE_SUBTREE,
        expression="(sAMAccountName=%s)" % ldb.binary_encode(spec["login"]),
        attrs=["lockoutTime"],
    )
    if not user or int(user[0].get("lockoutTime", [b"0"])[0]) == 0:
        raise SystemExit("account not locked after %d wrong passwords" % (threshold + 1))
    return {"locked": True}


USER_ATTRS = [
    "sAMAccountName",
    "userAccountControl",
    "pwdLastSet",
    "lockoutTime",
    "memberOf",
    "accountExpires",
    "givenName",
    "sn",
    "displayName",
    "msDS-User-Account-Control-Computed",
    "unicodePwd",
    "primaryGroupID",
    "description",
    "title",
]


def op_dump(db, spec):
    """Every user account, with what the probes judge (the NT hash is only compared, never printed)."""
    checks = spec.get("passwords", {})
    out = {}
    res = db.search(
        db.domain_dn(),
        scope=ldb.SCOPE_SUBTREE,
        expression="(&(objectClass=user)(!(objectClass=computer)))",
        attrs=USER_ATTRS,
    )
    for msg in res:
        login = str(msg["sAMAccountName"][0])

        def one(attr, default=None, msg=msg):
            return str(msg[attr][0]) if attr in msg else default

        nthash = msg["unicodePwd"][0] if "unicodePwd" in msg else None
        out[login] = {
            "dn": str(msg.dn),
            "uac": int(one("userAccountControl", "0")),
            "uac_computed": int(one("msDS-User-Account-Control-Computed", "0")),
            "pwdLastSet": int(one("pwdLastSet", "0")),
            "lockoutTime": int(one("lockoutTime", "0")),
            "accountExpires": int(one("accountExpires", "0")),
            "memberOf": sorted(str(g) for g in msg.get("memberOf", [])),
            "primaryGroupID": int(one("primaryGroupID", "0")),
            "givenName": one("givenName"),
            "sn": one("sn"),
            "displayName": one("displayName"),
            "password_matches": [
                pw
                for pw in checks.get(login, [])
                if nthash is not None and md4_hash_blob(pw.encode("utf-16-le")) == nthash
            ],
        }
    return {"users": out, "now": nttime(time.time())}


def op_bake(lp, db, spec):
    """The fixed content of a domain template: password policy, OUs, groups, staff."""
    base = str(db.domain_dn())
    pol = spec["policy"]
    m = ldb.Message()
    m.dn = ldb.Dn(db, base)
    day = -864000000000  # one day, in AD's negative 100 ns intervals
    for attr, value in (
        ("minPwdAge", "0"),
        ("maxPwdAge", str(pol["max_age_days"] * day)),
        ("minPwdLength", str(pol["min_length"])),
        ("pwdProperties", "1"),
        ("pwdHistoryLength", str(pol["history"])),
        ("lockoutThreshold", str(pol["lockout_threshold"])),
        ("lockoutDuration", str(pol["lockout_minutes"] * day // 1440)),
        ("lockOutObservationWindow", str(pol["lockout_window_minutes"] * day // 1440)),
    ):
        m[attr] = ldb.MessageElement(value, ldb.FLAG_MOD_REPLACE, attr)
    db.modify(m)
    for ou in spec["ous"]:
        db.create_ou("OU=%s,%s" % (ou["name"], base), description=ou.get("description"))
    for group in spec["groups"]:
        db.newgroup(group["name"], groupou="OU=%s" % group["ou"], description=group.get("description"))
    for user in spec["users"]:
        op_user(db, user)
    return {"ok": True}


def main():
    op = sys.argv[1]
    conf = sys.argv[2] if len(sys.argv) > 2 else "/etc/samba/smb.conf"
    spec = json.loads(sys.stdin.read() or "{}")
    lp, db = open_db(conf)
    try:
        if op == "user":
            out = op_user(db, spec)
        elif op == "expire":
            out = op_expire(lp, db, spec)
        elif op == "lock":
            out = op_lock(lp, db, spec)
        elif op == "dump":
            out = op_dump(db, spec)
        elif op == "bake":
            out = op_bake(lp, db, spec)
        else:
            raise SystemExit("unknown operation " + op)
    except ldb.LdbError as exc:
        sys.stderr.write("adctl %s: %s\n" % (op, exc.args[-1]))
        sys.exit(2)
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
