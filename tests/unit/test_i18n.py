"""The catalogue is complete, by Babel's own extractor (what `make docs` runs into simulateur.pot):
every key the code asks for has its French text (plural entries both forms), every entry of the .po
is asked for somewhere (no dead text), and argparse's own messages are all said in French.

Keys built at run time (tr(f"tui.mode.{m}")) are invisible to the extractor: the module that builds
them writes them out with N_() — and this test checks that each such call's possible keys are so
written in its module."""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from simulateur import i18n

PACKAGE = Path(i18n.__file__).resolve().parent
KEYWORDS: dict[str, Any] = {"tr": None, "trn": (1, 1), "N_": None}  # as in the Makefile's pybabel extract
# Modules that hand a key received from their caller to tr() (the caller writes it with N_()).
PASS_THROUGH = {
    "authoring.py",
    "coverage.py",
    "exam/cli.py",
    "cahier/loader.py",
    "lab/lab.py",
    "quiz/bank.py",
    "scenario/loader.py",
    "session/routes.py",
    "web/app.py",  # page_tr/page_trn: the templates' tr()/trn(), whose keys the templates write out
    "web/live.py",
}


def _catalog() -> Catalog:
    with i18n.PO.open("rb") as f:
        return read_po(f, locale=i18n.LANGUAGE, domain=i18n.DOMAIN)


def _extracted() -> dict[str | tuple[str, ...], list[str]]:
    """msgid (or (msgid, msgid_plural)) -> where, for the whole package, as babel.cfg says."""
    found: dict[str | tuple[str, ...], list[str]] = {}
    with open(PACKAGE.parent / "babel.cfg", encoding="utf-8") as cfg:
        methods, options = parse_mapping_cfg(cfg)
    for path, line, msg, _comments, _ctx in extract_from_dir(str(PACKAGE), methods, options, keywords=KEYWORDS):
        found.setdefault(msg, []).append(f"{path}:{line}")
    return found


def _argparse_ids() -> set[str | tuple[str, ...]]:
    with open(argparse.__file__, "rb") as f:
        return {msg for _, msg, _, _ in extract("python", f, keywords={"_": None, "ngettext": (1, 2)})}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return _catalog()


@pytest.fixture(scope="module")
def extracted() -> dict[str | tuple[str, ...], list[str]]:
    return _extracted()


def test_every_key_asked_for_has_its_text(catalog: Catalog, extracted: dict[Any, list[str]]) -> None:
    assert len(extracted) > 1000, "the extractor found almost nothing: its configuration is wrong"
    problems = []
    for msg, where in extracted.items():
        key = msg[0] if isinstance(msg, tuple) else msg
        entry = catalog.get(key)
        if entry is None:
            problems.append(f"{where[0]} : « {key} » absent du .po")
        elif isinstance(msg, tuple) != entry.pluralizable:
            problems.append(
                f"{where[0]} : « {key} » : tr() pour une entrée au pluriel, ou trn() pour une entrée simple"
            )
        elif not all(entry.string if isinstance(entry.string, tuple) else [entry.string]):
            problems.append(f"{where[0]} : « {key} » sans texte français")
    assert not problems, "\n".join(problems)


def test_no_entry_is_dead(catalog: Catalog, extracted: dict[Any, list[str]]) -> None:
    asked = {m[0] if isinstance(m, tuple) else m for m in extracted}
    asked |= {m[0] if isinstance(m, tuple) else m for m in _argparse_ids()}
    dead = sorted(m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.id not in asked)
    dead = [d for d in dead if d not in asked]
    assert not dead, "entrées du .po demandées nulle part : " + ", ".join(dead)


def test_argparse_speaks_french(catalog: Catalog) -> None:
    ids = _argparse_ids()
    assert "usage: " in ids and "invalid choice: %(value)r (choose from %(choices)s)" in ids
    missing = sorted(str(m) for m in ids if not (catalog.get(m[0] if isinstance(m, tuple) else m) or None))
    assert not missing, missing
    i18n.argparse_fr()
    parser = argparse.ArgumentParser(prog="p")
    parser.add_argument("x", choices=["a"])
    assert "affiche cette aide" in parser.format_help() and parser.format_usage().startswith("usage : ")


def _pattern(node: ast.expr) -> str | None:
    """The regular expression of the keys an f-string first argument can be (None: not an f-string)."""
    if not isinstance(node, ast.JoinedStr):
        return None
    return "".join(re.escape(v.value) if isinstance(v, ast.Constant) else r"[^.]+" for v in node.values)


def test_keys_built_at_run_time_are_written_out(extracted: dict[Any, list[str]]) -> None:
    """No tr()/trn() with a computed key but an f-string whose keys are in the catalogue, and written
    out with N_() in its module when no literal tr() asks for them elsewhere (test_no_entry_is_dead
    then finds any key of the family left out); a key handed over by the caller only in the few
    PASS_THROUGH modules (their callers write it with N_())."""
    keys = [m.id for m in _catalog() if isinstance(m.id, str) and m.id]
    literal = {m for m in extracted if isinstance(m, str)}
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel == "i18n.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.Call) and getattr(n.func, "id", None) in ("tr", "trn", "N_") and n.args
        ]
        marked = {
            c.args[0].value for c in calls if getattr(c.func, "id", "") == "N_" and isinstance(c.args[0], ast.Constant)
        }
        for call in calls:
            first = call.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                continue
            pattern = _pattern(first)
            if pattern is None:
                if rel not in PASS_THROUGH:
                    problems.append(f"{rel}:{call.lineno} : clé calculée autrement que par une f-chaîne")
                continue
            can_be = {k for k in keys if re.fullmatch(pattern, k)}
            if not can_be:
                problems.append(f"{rel}:{call.lineno} : aucune clé du catalogue de la forme {pattern}")
            elif not can_be & marked and not can_be <= literal:
                problems.append(f"{rel}:{call.lineno} : clés {sorted(can_be - literal)} sans N_() dans le module")
    assert not problems, "\n".join(problems)


def test_a_missing_key_is_loud() -> None:
    with pytest.raises(KeyError, match="no.such.key"):
        i18n.tr("no.such.key")


def test_plural_forms() -> None:
    assert i18n.TRANSLATION.plural(0) == 0 and i18n.TRANSLATION.plural(1) == 0 and i18n.TRANSLATION.plural(2) == 1


def test_no_pseudo_plural(catalog: Catalog) -> None:
    """« fichier(s) supprimé(s) » is a real plural entry (trn with the count), or a nested count
    (count.commands…); argparse's two messages that get no count stay as they are."""
    no_count = {"unrecognized arguments: %s", "the following arguments are required: %s"}
    pseudo = re.compile(r"\w\((?:s|es|x|aux)\)")
    found = [
        m.id
        for m in catalog
        if m.id and m.id not in no_count and any(pseudo.search(s) for s in (m.string if m.pluralizable else [m.string]))
    ]
    assert not found, found


ARGPARSE_CALLS = {"add_argument", "add_parser", "add_subparsers", "ArgumentParser", "_Parser", "add_argument_group"}


def test_argparse_help_goes_through_the_catalogue() -> None:
    """Every help=, description=, epilog= and metavar= with words of our CLIs is a tr() call, not French
    written in the code (metavars in capitals without accents, SESSION or LAB, are names, left as they are;
    pydantic's Field(description=…) is the documentation, left in the code)."""
    inline = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = getattr(node, "func", None)
            name = getattr(name, "attr", None) or getattr(name, "id", None)
            if isinstance(node, ast.Call) and name in ARGPARSE_CALLS:
                for kw in node.keywords:
                    v = kw.value
                    if kw.arg in ("help", "description", "epilog") and isinstance(v, (ast.Constant, ast.JoinedStr)):
                        if not (isinstance(v, ast.Constant) and not isinstance(v.value, str)):
                            inline.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
                    elif (
                        kw.arg == "metavar"
                        and isinstance(v, ast.Constant)
                        and isinstance(v.value, str)
                        and re.search(r"[^\x00-\x7f]", v.value)
                    ):
                        inline.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not inline, inline


def test_the_template_is_current(extracted: dict[Any, list[str]]) -> None:
    """simulateur/locale/simulateur.pot (make docs) lists the keys the code asks for today."""
    with (i18n.LOCALE_DIR / "simulateur.pot").open("rb") as f:
        pot = {m.id for m in read_po(f) if m.id}
    assert pot == set(extracted), "simulateur.pot périmé : régénérez-le avec « make docs »"


# The web pages: the templates' texts and the texts our scripts build come from the catalogue too.
WEB = PACKAGE / "web"
OUR_SCRIPTS = sorted((WEB / "static").glob("*.js"))  # vendored players (xterm/, asciinema/) are in subfolders
BRAND = {"simulateur"}
TEXT_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
# Words that make a JS string with a space French prose rather than a class list or an identifier.
FRENCH_WORDS = {
    "le",
    "la",
    "les",
    "l",
    "de",
    "d",
    "du",
    "des",
    "un",
    "une",
    "et",
    "ou",
    "à",
    "au",
    "aux",
    "en",
    "par",
    "pour",
    "sur",
    "sans",
    "avec",
    "pas",
    "est",
    "son",
    "sa",
    "ses",
    "ne",
    "plus",
    "min",
    "h",
    "s",
    "laboratoire",
    "machine",
    "réponse",
    "réponses",
    "temps",
    "restant",
    "envoi",
}
JINJA = re.compile(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
JINJA_KEY = re.compile(r"""\btrn?\(\s*(["'])[\w.]+\1""")
LITERAL = re.compile(r"""(["'])((?:\\.|(?!\1).)*)\1""", re.DOTALL)
JS_TOKEN = re.compile(
    r"""//[^\n]*|/\*.*?\*/|"((?:\\.|[^"\\\n])*)"|'((?:\\.|[^'\\\n])*)'|`((?:\\.|[^`\\])*)`""", re.DOTALL
)


def _accented(text: str) -> bool:
    return any(ord(c) > 127 and c.isalpha() for c in text)


def _prose(text: str) -> bool:
    """A string that reads as words: an accented letter, or a word and a space."""
    return _accented(text) or (bool(re.search(r"[^\W\d_]{2,}", text)) and bool(re.search(r"\s", text)))


def _template_french(source: str) -> list[str]:
    """French written in a template outside tr()/trn(): text nodes, text attributes, and string
    literals of its Jinja expressions (a key given to tr() aside)."""
    from html.parser import HTMLParser

    found = []
    for block in JINJA.findall(source):
        for _quote, text in LITERAL.findall(JINJA_KEY.sub("", block)):
            if _prose(text):
                found.append(f"{text!r} dans {block}")

    class Scan(HTMLParser):
        raw = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.raw += tag in ("script", "style")
            for name, value in attrs:
                if name in TEXT_ATTRIBUTES and value and re.search(r"[a-zà-ÿ]{2,}", value):
                    found.append(f"{name}={value!r}")

        def handle_endtag(self, tag: str) -> None:
            self.raw -= tag in ("script", "style")

        def handle_data(self, data: str) -> None:
            words = set(re.findall(r"[^\W\d_]{2,}", data)) - BRAND
            if words and not self.raw:
                found.append(repr(data.strip()))

    scan = Scan()
    scan.feed(JINJA.sub("…", source))
    return found


def _script_french(source: str) -> list[str]:
    """French string literals of a script (comments aside): an accented letter, or French words in a
    string with a space (« "machine " + name »; « "etat-reponse " + c » is a class list)."""
    found = []
    for m in JS_TOKEN.finditer(source):
        text = next((g for g in m.groups() if g is not None), None)
        if text is None:
            continue  # a comment
        words = set(re.findall(r"[^\W\d_]+", text))  # case kept: « DejaVu Sans Mono » is a font
        if _accented(text) or (re.search(r"\s", text) and words & FRENCH_WORDS):
            found.append(repr(text))
    return found


def test_the_french_detectors_see_french() -> None:
    """The two scans below find what they look for (else they would pass on anything)."""
    assert _template_french("<p>Bonjour {{ sid }}</p>") and _template_french('<input placeholder="au hasard">')
    assert _template_french("{{ '✔ acquis' if ok else '' }}") and _template_french("<b>{{ n }} réponse(s)</b>")
    assert not _template_french("<p class=\"x\">{{ tr('web.question', number=n) }} — {{ n }}</p>")
    assert _script_french('el.textContent = "machine " + m;') and _script_french("s = '… envoi';")
    assert not _script_french('f.className = "etat-reponse " + (ok ? "ok" : "refus"); // réponse envoyée')


@pytest.mark.parametrize("template", sorted((WEB / "templates").glob("*.html")), ids=lambda p: p.name)
def test_no_french_outside_the_catalogue_in_templates(template: Path) -> None:
    found = _template_french(template.read_text(encoding="utf-8"))
    assert not found, f"{template.name} : texte hors de tr()/trn() : " + " ; ".join(found)


@pytest.mark.parametrize("script", OUR_SCRIPTS, ids=lambda p: p.name)
def test_no_french_outside_the_catalogue_in_scripts(script: Path) -> None:
    found = _script_french(script.read_text(encoding="utf-8"))
    assert not found, f"{script.name} : texte français dans le script (donnez-le par la page) : " + " ; ".join(found)


def test_the_extraction_covers_the_templates(extracted: dict[Any, list[str]]) -> None:
    """Every template's keys are seen by the extractor (babel.cfg's jinja2 section), plural ones too."""
    where = {w.split(":")[0] for places in extracted.values() for w in places}
    templates = {f"web/templates/{p.name}" for p in (WEB / "templates").glob("*.html")}
    assert templates <= {w.replace("\\", "/") for w in where}, sorted(templates - where)
    assert ("web.answers", "web.answers") in extracted  # trn() in a template: a plural entry


def test_the_scripts_get_their_placeholders() -> None:
    """The texts a script fills in itself keep their {placeholders} (tr() would have formatted them)."""
    from simulateur.web.live import labels

    given = labels()
    assert given["machine"] == i18n.CATALOG["web.live.js.machine"] and "{machine}" in given["machine"]
    assert "{m}" in given["clock_ms"] and "{s}" in given["clock_hms"]


def test_template_calls_give_every_placeholder() -> None:
    """Each tr()/trn() of a template names every {placeholder} of its entry (both forms of a plural one;
    trn gives {n}): a missing one is a KeyError when the page is drawn."""
    from string import Formatter

    from jinja2 import Environment, nodes

    env = Environment(autoescape=True)
    problems = []
    for template in sorted((WEB / "templates").glob("*.html")):
        tree = env.parse(template.read_text(encoding="utf-8"))
        for call in tree.find_all(nodes.Call):
            name = getattr(call.node, "name", None)
            if name not in ("tr", "trn") or not call.args or not isinstance(call.args[0], nodes.Const):
                continue
            key = call.args[0].value
            texts = [i18n.CATALOG[(key, 0)], i18n.CATALOG[(key, 1)]] if name == "trn" else [i18n.CATALOG[key]]
            wanted = {f for t in texts for _, f, _, _ in Formatter().parse(t) if f}
            given = {kw.key for kw in call.kwargs} | ({"n"} if name == "trn" else set())
            if wanted - given:
                problems.append(f"{template.name}:{call.lineno} : {key} sans {sorted(wanted - given)}")
    assert not problems, "\n".join(problems)
