"""The trainer's toolkit: `new` writes a valid commented scenario into the user folder, `validate`
names file:line and the fix, the user folder is loaded beside the shipped scenarios (a broken file is
reported and skipped), `actions`/`probes` list the vocabulary, the coverage is computed — and the
generated docs are up to date."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simulateur import coverage, docgen, vocabulary
from simulateur.actions import ACTIONS
from simulateur.errors import ScenarioError, UsageError
from simulateur.probes import PROBES
from simulateur.scenario.loader import find_scenario, load_catalogue, load_scenario
from simulateur.scenario.scaffold import scaffold

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "scenarios"
PRINTER = (SHIPPED / "imprimante-file-suspendue.yaml").read_text()


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "simulateur", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture
def user_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The trainer's folder: <data dir>/scenarios (SIMULATEUR_DATA is a temp dir in every test)."""
    monkeypatch.delenv("SIMULATEUR_SCENARIOS", raising=False)
    monkeypatch.delenv("SIMULATEUR_SHIPPED_SCENARIOS", raising=False)
    return Path(os.environ["SIMULATEUR_DATA"]) / "scenarios"


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# --- new ---------------------------------------------------------------------------------------
def test_new_writes_a_valid_commented_scaffold_into_the_user_folder(user_dir):
    path = scaffold("panne-essai")
    assert path == user_dir / "panne-essai.yaml"
    text = path.read_text()
    assert text.count("#") > 20 and "docs/guide-auteur.md" in text and "simulateur selftest" in text
    loaded = load_scenario(path)  # valid as written, with the shipped topology
    assert loaded.scenario.id == "panne-essai" and loaded.topology.id == "bureau"
    assert [a.action for a in loaded.scenario.faults] == ["service.stop"]
    assert [a.action for a in loaded.scenario.solution] == ["service.start"]
    cat = load_catalogue()
    assert cat.scenarios["panne-essai"].user and not cat.scenarios["dhcp-serveur-arrete"].user
    assert find_scenario("panne-essai").path == path


def test_new_refuses_to_overwrite_and_explains_bad_input(user_dir, tmp_path):
    path = scaffold("panne-essai", hosts=["poste"])
    assert "service: cups" in path.read_text()  # the example uses a daemon of the chosen hosts
    path.write_text(path.read_text() + "# mon travail\n")
    with pytest.raises(UsageError, match="existe déjà"):
        scaffold("panne-essai")
    assert path.read_text().endswith("# mon travail\n")
    with pytest.raises(UsageError, match="minuscules"):
        scaffold("Panne Essai")
    with pytest.raises(UsageError, match="déjà un scénario livré"):
        scaffold("dhcp-serveur-arrete")
    with pytest.raises(UsageError, match="topologie « usine » introuvable.*bureau"):
        scaffold("autre", topology="usine")
    with pytest.raises(UsageError, match="hôte « pc1 ».*poste"):
        scaffold("autre", hosts=["pc1"])
    with pytest.raises(UsageError, match="--hosts"):
        scaffold("autre", hosts=["routeur"])  # no service to stop in the example
    out = scaffold("ailleurs", folder=tmp_path / "mes-scenarios")
    assert out.parent == tmp_path / "mes-scenarios" and load_scenario(out)


def test_new_command_prints_the_next_steps(user_dir):
    proc = run("new", "panne-cli", "--hosts", "poste,srv")
    assert proc.returncode == 0, proc.stderr
    path = user_dir / "panne-cli.yaml"
    assert str(path) in proc.stdout
    for step in (f"simulateur validate {path}", f"sudo simulateur selftest {path}", "guide-auteur.md"):
        assert step in proc.stdout
    assert "hosts: [poste, srv]" in path.read_text()
    again = run("new", "panne-cli")
    assert again.returncode == 2 and "existe déjà" in again.stderr
    assert run("validate", "panne-cli").returncode == 0  # by id, from the user folder


# --- validate: every mistake with file:line and the fix ------------------------------------------
@pytest.mark.parametrize(
    "old,new,needle,words",
    [
        # a host of the topology not built by this scenario (hosts: [poste, srv, imprimante])
        (
            "  - {action: exec, host: poste, argv: [cupsenable, Couloir]}",
            "  - {action: exec, host: routeur, argv: [cupsenable, Couloir]}",
            "host: routeur",
            ["routeur", "absent", "poste, srv, imprimante"],
        ),
        # the reference solution on a host the topology does not have
        (
            "  - {action: cups.print, host: poste, queue: Couloir, printer: imprimante, timeout: 45}",
            "  - {action: cups.print, host: pc12, queue: Couloir, printer: imprimante, timeout: 45}",
            "host: pc12",
            ["pc12", "absent de la topologie bureau", "poste, srv, imprimante"],
        ),
        # a host named by another field than host (the printer of a probe)
        (
            "probe: cups.queue, host: poste, printer: imprimante",
            "probe: cups.queue, host: poste, printer: imprimant",
            "printer: imprimant,",
            ["imprimant", "poste, srv, imprimante"],
        ),
        (
            "probe: printer.job_received",
            "probe: printer.job_recu",
            "printer.job_recu",
            ["printer.job_recu", "printer.job_received"],
        ),
        ("action: cups.print", "action: cups.imprime", "cups.imprime", ["cups.imprime", "cups.print"]),
        ("- id: TAI.CP4.7 ", "- id: TAI.CP4.17 ", "TAI.CP4.17", ["TAI.CP4.17", "simulateur referentiel"]),
        (
            '"{raison}", Couloir]}\n      - {action: exec, host: poste, argv: [lp',
            '"{motif}", Couloir]}\n      - {action: exec, host: poste, argv: [lp',
            "{motif}",
            ["motif", "non défini", "params:"],
        ),
        ("- id: TAI.CP3.1 ", "- id: TAI.CP4.5 ", "- id: TAI.CP4.5 ", ["TAI.CP4.5", "deux fois"]),
        (
            "      - {journal: tested_after_fix, min: 1, hosts: [poste]}",
            "      - {journal: backup_before_edit, hosts: [poste]}",
            "backup_before_edit",
            ["paths"],
        ),
        (
            "      - {journal: tested_after_fix, min: 1, hosts: [poste]}",
            "      - {journal: tested_after_fix, min: 1, hosts: [poste], paths: [/etc/cups/printers.conf]}",
            "paths: [/etc/cups",
            ["backup_before_edit", "supprimez"],
        ),
        (
            "      - {probe: page_recue}\n  - id: TAI.CP3.1",
            "      - {probe: page_reçue}\n  - id: TAI.CP3.1",
            "page_reçue",
            ["page_reçue"],
        ),
        (
            "      - {probe: file_active}\n      - {probe: page_recue}\n",
            "      - {probe: fil_active}\n      - {probe: page_recue}\n",
            "fil_active",
            ["fil_active", "file_active, page_recue"],
        ),
    ],
)
def test_validate_names_the_line_and_the_fix(tmp_path, old, new, needle, words):
    assert PRINTER.count(old) >= 1, old
    text = PRINTER.replace(old, new, 1)
    path = tmp_path / "imprimante-file-suspendue.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    line = text[: text.index(needle, PRINTER.index(old))].count("\n") + 1  # the line changed, not an earlier one
    assert any(p.startswith(f"{path}:{line}:") and all(w in p for w in words) for p in exc.value.problems), (
        exc.value.problems
    )


def test_empty_hints_and_criterion_without_evidence_name_their_line(tmp_path):
    text = PRINTER.split("hints:")[0] + "hints: []\n"
    text = text.replace(
        "  - id: TAI.CP3.1     # Les applications et le système sont configurés conformément à "
        "la demande\n    evidence:\n      - {probe: file_active}\n",
        "  - id: TAI.CP3.1\n    evidence: []\n",
    )
    path = tmp_path / "imprimante-file-suspendue.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    found = exc.value.problems
    for needle in ("hints: []", "evidence: []"):
        key = needle.split(":")[0]
        assert any(p.startswith(f"{path}:{line_of(text, needle)}:") and key in p and "vide" in p for p in found), found


def test_validate_without_arguments_checks_shipped_and_user_scenarios(user_dir):
    user_dir.mkdir(parents=True)
    (user_dir / "casse.yaml").write_text("id: casse\ntitle: [\n")
    proc = run("validate")
    assert proc.returncode == 2
    assert f"{user_dir / 'casse.yaml'}:3:" in proc.stderr
    assert "dhcp-serveur-arrete.yaml : valide" in proc.stdout and "topologies/bureau.yaml : valide" in proc.stdout


# --- the user folder -----------------------------------------------------------------------------
def test_user_folder_beside_the_shipped_scenarios(user_dir, tmp_path):
    mine = tmp_path / "mes-scenarios"
    mine.mkdir()
    (mine / "ma-panne.yaml").write_text(PRINTER.replace("id: imprimante-file-suspendue", "id: ma-panne"))
    (mine / "casse.yaml").write_text("id: casse\ntitle: [\n")
    (mine / "dhcp-serveur-arrete.yaml").write_text((SHIPPED / "dhcp-serveur-arrete.yaml").read_text())
    cat = load_catalogue(user=mine)
    assert cat.scenarios["ma-panne"].user and cat.scenarios["ma-panne"].topology.id == "bureau"
    assert cat.scenarios["dhcp-serveur-arrete"].path == SHIPPED / "dhcp-serveur-arrete.yaml"
    assert "casse" not in cat.scenarios
    assert any(p.startswith(f"{mine / 'casse.yaml'}:3:") for p in cat.problems), cat.problems
    clash = [p for p in cat.problems if p.startswith(f"{mine / 'dhcp-serveur-arrete.yaml'}:1:")]
    assert clash and "existe déjà" in clash[0] and "renommez" in clash[0]

    for how in (["--scenarios", str(mine), "list", "--json"], ["list", "--json"]):
        proc = run(*how, env={"SIMULATEUR_SCENARIOS": str(mine)} if how[0] == "list" else None)
        assert proc.returncode == 0, proc.stderr
        data = json.loads(proc.stdout)
        rows = {r["id"]: r for r in data["scenarios"]}
        assert rows["ma-panne"]["user"] and not rows["dhcp-serveur-arrete"]["user"]
        assert any(f"{mine / 'casse.yaml'}:3:" in e for e in data["errors"])
    text = run("--scenarios", str(mine), "list")
    assert text.returncode == 0 and "ma-panne" in text.stdout and "(vos scénarios)" in text.stdout
    assert f"{mine / 'casse.yaml'}:3:" in text.stderr


def test_a_user_scenario_may_bring_its_own_topology(user_dir, tmp_path):
    mine = tmp_path / "perso"
    (mine / "topologies").mkdir(parents=True)
    topo = (SHIPPED / "topologies" / "bureau.yaml").read_text().replace("id: bureau", "id: agence")
    (mine / "topologies" / "agence.yaml").write_text(topo)
    (mine / "ma-panne.yaml").write_text(
        PRINTER.replace("id: imprimante-file-suspendue", "id: ma-panne").replace("topology: bureau", "topology: agence")
    )
    assert load_scenario(mine / "ma-panne.yaml").topology.id == "agence"
    (mine / "ma-panne.yaml").write_text(
        PRINTER.replace("id: imprimante-file-suspendue", "id: ma-panne").replace("topology: bureau", "topology: usine")
    )
    with pytest.raises(ScenarioError, match="usine.*agence, atelier, bureau"):
        load_scenario(mine / "ma-panne.yaml")


# --- the catalogue of actions and probes ---------------------------------------------------------
def test_every_action_and_probe_is_documented():
    missing = vocabulary.undocumented()
    assert missing == [], (
        "le catalogue (simulateur actions/probes, docs/catalogue-actions-sondes.md) a besoin "
        "d'un « summary » par type et de Field(description=…) en français pour chaque "
        "paramètre :\n" + "\n".join(missing)
    )


def test_actions_and_probes_commands():
    for kind, classes in (("actions", ACTIONS), ("probes", PROBES)):
        proc = run(kind, "--json")
        assert proc.returncode == 0
        listed = {e["name"]: e for e in json.loads(proc.stdout)[kind]}
        assert {
            c.model_fields[kind[:-1] if kind == "actions" else "probe"].annotation.__args__[0] for c in classes
        } <= set(listed)
        text = run(kind).stdout
        assert all(f"{name} — " in text for name in listed)
    probes = {e.name: e for e in vocabulary.entries("probes")}
    params = {p.name: p for p in probes["cups.queue"].params}
    assert params["printer"].required and params["printer"].type == "texte"
    assert not params["default"].required and params["default"].default is False
    actions = {e.name: e for e in vocabulary.entries("actions")}
    driver = {p.name: p for p in actions["cups.queue"].params}["driver"]
    assert "everywhere" in driver.type and driver.default == "everywhere"


# --- coverage ------------------------------------------------------------------------------------
def test_coverage_rows_cover_every_competence_in_scope():
    from simulateur import referentiel

    cat = load_catalogue(SHIPPED)
    table, _ = coverage.rows(cat)
    ids = [r.competence for r in table]
    expected = [
        c.id
        for ref in referentiel.load_referentiels().values()
        for c, _ in ref.competences()
        if ref.id == "IDI" or c.modality == "mise_en_situation"
    ]
    assert ids == expected and "TAI.CP14" in ids and "IDI.CP7" in ids and "TAI.CP9" not in ids
    row = {r.competence: r for r in table}
    assert "imprimante-file-suspendue" in row["TAI.CP4"].scenarios
    assert "imprimante-file-suspendue" in row["IDI.CP5"].scenarios  # named in also:
    assert "TAI.CP4.5" in row["TAI.CP4"].scored
    proc = run("referentiel", "--coverage")
    assert proc.returncode == 0 and "TAI.CP14" in proc.stdout and "compétences couvertes" in proc.stdout
    md = run("referentiel", "--coverage", "--markdown").stdout
    assert md.startswith(coverage.BEGIN) and coverage.END in md and "| TAI.CP4 |" in md


def test_coverage_counts_the_competences_no_lab_can_hold_apart():
    assert set(coverage.NOT_IN_LAB) == {"IDI.CP6", "IDI.CP7"}
    Row = coverage.Row
    table = [
        Row("TAI.CP4", "x", scenarios=["s"]),
        Row("TAI.CT1", "y"),
        Row("IDI.CP6", "z"),
        Row("IDI.CP7", "w", scenarios=["t"]),
    ]  # exercised after all: counted as usual
    assert table[2].not_in_lab and "équipement physique" in table[2].not_in_lab
    assert table[1].not_in_lab is None and table[3].not_in_lab is None
    assert coverage.summary(table) == (
        "2/3 compétences couvertes ; sans scénario : TAI.CT1 ; non exerçables en laboratoire (hors décompte) : IDI.CP6"
    )


# --- the generated docs cannot drift --------------------------------------------------------------
def test_generated_docs_are_up_to_date():
    late = docgen.stale()
    assert late == [], (
        f"{', '.join(map(str, late))} : périmé(s) — régénérez avec « {docgen.COMMAND} » "
        "(.venv/bin/python -m simulateur.docgen) et relisez le diff"
    )


def test_docgen_check_detects_a_stale_page(tmp_path):
    shutil.copytree(SHIPPED, tmp_path / "scenarios")
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text(f"# x\n\n{coverage.BEGIN}\nvieux\n{coverage.END}\n\nfin\n")
    assert set(docgen.stale(tmp_path)) == {docgen.CATALOGUE_PAGE, docgen.README}
    for rel, text in docgen.generated(tmp_path).items():
        (tmp_path / rel).write_text(text)
    assert docgen.stale(tmp_path) == []
    readme = (tmp_path / "README.md").read_text()
    assert readme.startswith("# x\n") and readme.endswith("\n\nfin\n") and "vieux" not in readme


# --- the guide walks through the shipped scenario, exactly ---------------------------------------
def test_the_guide_assembles_the_shipped_scenario(tmp_path):
    """The YAML blocks of docs/guide-auteur.md, taken in order (a later block's keys replace an
    earlier one's, as the guide says), give a valid scenario equal to the shipped one."""
    import re

    import yaml

    guide = (ROOT / "docs" / "guide-auteur.md").read_text()
    merged: dict = {}
    for block in re.findall(r"```yaml\n(.*?)```", guide, re.DOTALL):
        merged.update(yaml.safe_load(block))
    assert merged["id"] == "ma-file-suspendue"
    path = tmp_path / "ma-file-suspendue.yaml"
    path.write_text(yaml.safe_dump(merged, allow_unicode=True, sort_keys=False))
    mine = load_scenario(path).scenario
    shipped = load_scenario(SHIPPED / "imprimante-file-suspendue.yaml").scenario
    assert mine.model_copy(update={"id": shipped.id}) == shipped
