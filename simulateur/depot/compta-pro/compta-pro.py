#!/usr/bin/python3
# Compta Pro @VERSION@ — logiciel de comptabilité des TPE (serveur local + outil en ligne de commande).
#
#   compta-pro serveur        démarre le service (unité compta-pro.service)
#   compta-pro etat           vérifie l'installation et affiche l'état du logiciel
#   compta-pro --version
#
# Configuration : /etc/compta-pro/compta-pro.conf (redémarrer le service après modification).
# Part of the simulateur lab repository: standard library only, never imports simulateur.

import configparser
import csv
import hashlib
import http.server
import json
import os
import sys
import time

VERSION = "@VERSION@"
FORMAT = int("@FORMAT@")  # format of the dossiers this version reads
CONF = os.environ.get("COMPTA_PRO_CONF", "/etc/compta-pro/compta-pro.conf")
DEFAULTS = {
    "dossiers": "/var/lib/compta-pro/dossiers",
    "journaux": "/var/lib/compta-pro/journaux",
    "cache": "/var/lib/compta-pro/cache",
    "niveau_journal": "info",
    "espace_minimum_mo": "16",
    "exercice_debut": "01-01",
}


class Fatal(Exception):
    pass


def licence_key(societe):
    digest = hashlib.sha256(("compta-pro/" + societe.strip()).encode()).hexdigest().upper()
    return "-".join(digest[i : i + 4] for i in range(0, 16, 4))


def load_conf():
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(CONF, encoding="utf-8") as f:
            parser.read_file(f)
    except FileNotFoundError:
        raise Fatal("fichier de configuration introuvable : %s" % CONF)
    except PermissionError:
        raise Fatal("fichier de configuration illisible : %s (droits)" % CONF)
    except configparser.Error as exc:
        raise Fatal("erreur de syntaxe dans %s : %s" % (CONF, str(exc).splitlines()[0]))
    conf = dict(DEFAULTS)
    if parser.has_section("general"):
        conf.update({k: v.strip() for k, v in parser.items("general")})
    conf["societe"] = parser.get("licence", "societe", fallback="").strip()
    conf["cle"] = parser.get("licence", "cle", fallback="").strip()
    conf["port"] = parser.get("serveur", "port", fallback="8470").strip()
    return conf


class Log:
    def __init__(self, conf):
        self.debug_on = conf["niveau_journal"].lower() == "debug"
        self.path = os.path.join(conf["journaux"], "compta-pro.log")

    def write(self, level, message):
        line = "%s [%s] %s" % (time.strftime("%Y-%m-%d %H:%M:%S"), level, message)
        print(line, file=sys.stderr, flush=True)
        try:
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(line + "\n")
        except OSError as exc:
            print(
                "%s [ERREUR] écriture du journal %s impossible : %s"
                % (time.strftime("%Y-%m-%d %H:%M:%S"), self.path, exc.strerror),
                file=sys.stderr,
                flush=True,
            )

    def info(self, message):
        self.write("INFO", message)

    def error(self, message):
        self.write("ERREUR", message)

    def debug(self, message):
        if self.debug_on:
            self.write("DEBUG", message)


def check_licence(conf):
    if not conf["societe"] or not conf["cle"]:
        raise Fatal("licence non renseignée : indiquez la société et la clé dans la section [licence] de %s" % CONF)
    if conf["cle"].upper() != licence_key(conf["societe"]):
        raise Fatal(
            "clé de licence invalide pour la société « %s » (section [licence] de %s)" % (conf["societe"], CONF)
        )


def check_space(conf):
    need = int(conf["espace_minimum_mo"])
    path = conf["dossiers"]
    try:
        st = os.statvfs(path)
    except OSError as exc:
        raise Fatal("dossier des données inaccessible : %s (%s)" % (path, exc.strerror))
    free = st.f_bavail * st.f_frsize / 1048576
    if free < need:
        raise Fatal(
            "espace disque insuffisant pour %s : %.1f Mo libres, %d Mo nécessaires au démarrage" % (path, free, need)
        )
    return free


def read_dossier(path, log):
    meta = configparser.ConfigParser(interpolation=None)
    meta.read(os.path.join(path, "dossier.ini"), encoding="utf-8")
    name = meta.get("dossier", "raison_sociale", fallback=os.path.basename(path))
    fmt = meta.getint("dossier", "format", fallback=3)
    entries_path = os.path.join(path, "ecritures.csv")
    with open(entries_path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    if fmt < FORMAT:
        rows = migrate(rows, path, name, log)
    debit = sum(float(r["debit"] or 0) for r in rows)
    credit = sum(float(r["credit"] or 0) for r in rows)
    log.debug("dossier %s : %d écritures lues (%s)" % (name, len(rows), entries_path))
    return {"nom": name, "ecritures": len(rows), "debit": round(debit, 2), "credit": round(credit, 2)}


# @MIGRATE-BEGIN@ migration of older dossiers: a version that reads a newer format replaces this
def migrate(rows, path, name, log):
    return rows


# @MIGRATE-END@


def load_all(conf, log):
    root = conf["dossiers"]
    if not os.path.isdir(root):
        raise Fatal("dossier des données introuvable : %s" % root)
    found = []
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name)
        if os.path.isfile(os.path.join(path, "dossier.ini")):
            found.append(read_dossier(path, log))
    return found


def state(conf, log):
    check_licence(conf)
    free = check_space(conf)
    dossiers = load_all(conf, log)
    return {
        "application": "Compta Pro",
        "version": VERSION,
        "societe": conf["societe"],
        "licence": "valide",
        "exercice_debut": conf["exercice_debut"],
        "niveau_journal": conf["niveau_journal"],
        "dossiers": dossiers,
        "espace_libre_mo": round(free, 1),
    }


def cmd_etat(conf):
    log = Log(conf)
    info = state(conf, log)
    print(
        "Compta Pro %s — licence valide (%s), exercice débutant le %s"
        % (VERSION, info["societe"], info["exercice_debut"])
    )
    print("Espace libre pour les données : %.1f Mo" % info["espace_libre_mo"])
    for d in info["dossiers"]:
        print("  dossier %-30s %5d écritures" % (d["nom"], d["ecritures"]))
    print("État : OK")
    return 0


def cmd_serveur(conf):
    log = Log(conf)
    os.makedirs(conf["cache"], exist_ok=True)
    try:
        info = state(conf, log)
    except Fatal as exc:
        log.error(str(exc))
        log.error("démarrage annulé")
        return 1
    log.info("Compta Pro %s démarré : %d dossier(s), licence %s" % (VERSION, len(info["dossiers"]), info["societe"]))
    port = int(conf["port"])

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            try:
                body = json.dumps(state(conf, log), ensure_ascii=False).encode()
                code = 200
            except Fatal as exc:
                body = json.dumps({"erreur": str(exc)}, ensure_ascii=False).encode()
                code = 500
            self.send_response(code)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt, *args):
            log.debug("requête %s" % (fmt % args))

    server = http.server.HTTPServer(("127.0.0.1", port), Handler)
    log.info("à l'écoute sur http://127.0.0.1:%d/" % port)
    server.serve_forever()
    return 0


def main(argv):
    if argv[1:] in (["--version"], ["-V"]):
        print("compta-pro %s" % VERSION)
        return 0
    if len(argv) != 2 or argv[1] not in ("serveur", "etat"):
        print("usage : compta-pro serveur | etat | --version", file=sys.stderr)
        return 2
    try:
        conf = load_conf()
        return cmd_serveur(conf) if argv[1] == "serveur" else cmd_etat(conf)
    except Fatal as exc:
        print("compta-pro : ERREUR : %s" % exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
