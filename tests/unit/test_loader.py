"""Every mistake in a scenario file is reported as file:line with the fix — never a traceback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simulateur.errors import ScenarioError
from simulateur.scenario.loader import load_catalogue, load_scenario

ROOT = Path(__file__).resolve().parents[2]
GOOD = (ROOT / "scenarios" / "dhcp-serveur-arrete.yaml").read_text()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "scenarios" / "topologies", tmp_path / "topologies")
    return tmp_path


def write(folder: Path, text: str, name: str = "dhcp-serveur-arrete") -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text)
    return path


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    return exc.value.problems


def test_the_shipped_scenario_loads(folder):
    loaded = load_scenario(write(folder, GOOD))
    assert loaded.scenario.id == "dhcp-serveur-arrete"


@pytest.mark.parametrize(
    "old,new,needle,words",
    [
        (
            "{action: service.stop, host: srv, service: dnsmasq}",
            "{action: service.stop, host: pc1, service: dnsmasq}",
            "host: pc1",
            ["pc1", "poste, srv, routeur, internet"],
        ),
        (
            "{action: service.stop, host: srv, service: dnsmasq}",
            "{action: service.halt, host: srv, service: dnsmasq}",
            "service.halt",
            ["service.halt", "service.stop"],
        ),
        ("- id: TAI.CP14.2 ", "- id: TAI.CP14.9 ", "TAI.CP14.9", ["TAI.CP14.9", "inconnu"]),
        ('target: "{routeur_ip}"', 'target: "{passerelle}"', "{passerelle}", ["passerelle", "non défini"]),
        (
            "{action: service.stop, host: srv, service: dnsmasq}",
            "{action: service.stop, host: srv, service: dhcpd}",
            "service: dhcpd",
            ["dhcpd", "dnsmasq"],
        ),
        ("level: 1", "level: facile", "level: facile", ["level", "nombre entier"]),
        ("duration: 20", "duration: 20\ncolour: bleu", "colour: bleu", ["colour", "inconnue"]),
        ("      - {probe: dns}\n", "", "id: dns, probe: dns.resolve", ["dns", "aucun critère"]),
        (
            "competences: [TAI.CP14, TAI.CP10]",
            "competences: [TAI.CP14]",
            "- id: TAI.CP10.4",
            ["TAI.CP10.4", "TAI.CP10"],
        ),
        ("topology: bureau", "topology: usine", "topology: usine", ["usine", "bureau"]),
        ("also: [IDI.CP3, IDI.CP5]", "also: [IDI.CP3, TAI.CP9]", "also:", ["TAI.CP9", "competences"]),
        ("also: [IDI.CP3, IDI.CP5]", "also: [IDI.CP9]", "also:", ["IDI.CP9", "inconnue"]),
        # inside a literal block (`|`): the hole's own line, not the block's first
        (
            "      domaine               {domaine}",
            "      domaine               {domain}",
            "{domain}",
            ["{domain}", "non défini"],
        ),
    ],
)
def test_mistakes_name_their_line_and_the_fix(folder, old, new, needle, words):
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    path = write(folder, text)
    found = problems(path)
    expected_line = line_of(text, needle)
    assert any(p.startswith(f"{path}:{expected_line}:") and all(w in p for w in words) for p in found), found


def test_empty_hints_and_criterion_without_evidence(folder):
    text = GOOD.split("hints:")[0] + "hints: []\n"
    text = text.replace("    evidence:\n      - {ticket: qualification}\n", "    evidence: []\n")
    found = problems(write(folder, text))
    assert any(":" + str(line_of(text, "hints: []")) + ":" in p and "hints" in p for p in found), found
    assert any(":" + str(line_of(text, "evidence: []")) + ":" in p and "evidence" in p for p in found), found


@pytest.mark.parametrize(
    "text,line",
    [
        ("id: x\n  title: [unclosed\n", 2),
        ("id: a\nid: b\n", 2),
        ("- juste\n- une liste\n", 1),
        ("", 1),
        ("a: &x [1, 2]\nb: {<<: *x}\n", 2),
    ],
)
def test_broken_yaml_gives_one_line(folder, text, line):
    path = write(folder, text)
    found = problems(path)
    assert found and found[0].startswith(f"{path}:{line}:"), found


def test_hostile_input_is_only_data(folder, tmp_path):
    marker = tmp_path / "pwned"
    text = GOOD.replace(
        'title: "Plus d\'accès réseau au service comptabilité"',
        f'title: "$(touch {marker}) `touch {marker}` {{{{7*7}}}}"',
    )
    loaded = load_scenario(write(folder, text))
    assert "$(touch" in loaded.scenario.title and not marker.exists()
    bomb = (
        "a: &a ["
        + ",".join(["x"] * 50)
        + "]\n"
        + "".join(f"{c}: &{c} [" + ",".join([f"*{p}"] * 50) + "]\n" for p, c in zip("abcdefg", "bcdefgh"))
    )
    assert problems(write(folder, bomb))


def test_catalogue_skips_broken_files(folder):
    write(folder, GOOD)
    write(folder, "id: casse\ntitle: [\n", name="casse")
    cat = load_catalogue(folder)
    assert list(cat.scenarios) == ["dhcp-serveur-arrete"]
    assert len(cat.problems) == 1 and "casse.yaml:3:" in cat.problems[0]


def test_validate_cli_exit_code_and_messages(folder):
    path = write(folder, GOOD.replace("host: srv", "host: pc1", 1))
    proc = subprocess.run([sys.executable, "-m", "simulateur", "validate", str(path)], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and f"{path}:" in proc.stderr


def test_schema_is_json_schema():
    proc = subprocess.run([sys.executable, "-m", "simulateur", "schema"], capture_output=True, text=True, check=True)
    schema = json.loads(proc.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert {"id", "ticket", "faults", "solution", "probes", "criteria", "hints"} <= set(schema["properties"])
