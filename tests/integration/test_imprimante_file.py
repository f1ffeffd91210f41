"""imprimante-file-suspendue end to end (the scenario docs/guide-auteur.md writes step by step):
every variant proved by the self-test, right fixes by different routes pass, wrong or partial ones
fail — on real labs (cupsd on poste, ippeveprinter on imprimante)."""

from __future__ import annotations

import time
from pathlib import Path

from labhelpers import sim

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = "imprimante-file-suspendue"
TEST_PAGE = "/usr/share/cups/data/default-testpage.pdf"
SPOOL = "/var/spool/ippeveprinter"
ALL_GOOD = {
    "TAI.CP4.3": "jury",
    "TAI.CP4.5": "acquis",
    "TAI.CP3.1": "acquis",
    "TAI.CP4.7": "jury",
    "TAI.CP1.1": "jury",
    "TAI.CP1.2": "jury",
}


def ex(lab: str, host: str, cmd: str, check: bool = True) -> int:
    return sim("exec", lab, host, "--", cmd, check=check).code


def check(lab: str) -> tuple[dict[str, tuple[bool, str]], dict[str, str]]:
    """(probe id → (ok, observed), criterion → verdict), from one `simulateur check`."""
    result = sim("check", lab, "--json").json()
    return (
        {p["id"]: (p["ok"], p["observed"]) for p in result["probes"]},
        {c["id"]: c["verdict"] for c in result["criteria"]},
    )


def spool(lab: str) -> list[str]:
    from simulateur.lab.lab import Lab

    return sorted(p.name for p in Lab.open(lab).host("imprimante").path(SPOOL).iterdir())


def wait_for(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "délai dépassé"
        time.sleep(0.1)


def test_selftest_every_variant():
    run = sim("selftest", SCENARIO, "--seeds", "1,2,3", timeout=300)
    assert "4/4" in run.out, run.out  # seeds 1, 2, 3 draw two variants; the third runs on seed 1
    for variant in ("suspendue", "refuse", "les_deux"):
        assert f"variante {variant}" in run.out


def test_selftest_of_a_trainers_copy_by_its_path(tmp_path):
    """A trainer's file outside the repository, self-tested by path, with the shipped topology."""
    text = (ROOT / "scenarios" / f"{SCENARIO}.yaml").read_text().replace(f"id: {SCENARIO}", "id: ma-file")
    path = tmp_path / "ma-file.yaml"
    path.write_text(text)
    run = sim("selftest", str(path), "--seeds", "4", timeout=300)
    assert "3/3" in run.out and "ma-file" in run.out, run.out  # seed 4's variant, then the other two


# --- right fixes -----------------------------------------------------------------------------
def test_disabled_and_rejecting_queue_fixed_with_cupsenable_and_cupsaccept(started):
    lab = started(SCENARIO, seed=5, variant="les_deux")["lab"]
    assert ex(lab, "poste", f"lp {TEST_PAGE}", check=False) != 0  # the user's symptom: refused
    ex(lab, "poste", "lpstat -p Couloir")
    ex(lab, "poste", "lpstat -a Couloir")
    ex(lab, "poste", "cupsenable Couloir")
    ex(lab, "poste", "cupsaccept Couloir")
    ex(lab, "poste", f"lp -d Couloir {TEST_PAGE}")
    wait_for(lambda: spool(lab))
    seen, verdicts = check(lab)
    assert seen["file_active"][0] and "activée et acceptant les travaux" in seen["file_active"][1]
    assert verdicts == ALL_GOOD


def test_rejecting_queue_fixed_with_lpadmin_E(started):
    lab = started(SCENARIO, seed=5, variant="refuse")["lab"]
    ex(lab, "poste", "lpstat -a")
    ex(lab, "poste", "lpstat -p -d")
    ex(lab, "poste", "lpadmin -p Couloir -E")  # -E after -p: enable and accept (cupsenable + cupsaccept)
    ex(lab, "poste", f"lp {TEST_PAGE}")
    wait_for(lambda: spool(lab))
    assert check(lab)[1] == ALL_GOOD


def test_disabled_queue_enabled_the_waiting_document_of_the_user_comes_out(started):
    info = started(SCENARIO, seed=5, variant="suspendue")
    lab, document = info["lab"], info["params"]["document"]
    ex(lab, "poste", "lpstat -p Couloir")
    ex(lab, "poste", "lpstat -o")
    ex(lab, "poste", "cupsenable Couloir")
    wait_for(lambda: spool(lab))  # her document, waiting in the queue, prints
    ex(lab, "poste", f"lp -d Couloir {TEST_PAGE}")  # and the technician's own test page
    wait_for(lambda: len(spool(lab)) == 2, timeout=60)  # the printer prints one at a time (5 to 15 s each)
    seen, verdicts = check(lab)
    assert seen["page_recue"][0] and f"« {document} »" in seen["page_recue"][1]
    assert verdicts == ALL_GOOD


# --- wrong or partial fixes ------------------------------------------------------------------
def test_only_cupsenable_on_a_queue_that_also_rejects(started):
    lab = started(SCENARIO, seed=5, variant="les_deux")["lab"]
    ex(lab, "poste", "lpstat -p Couloir")
    ex(lab, "poste", "lpstat -o")
    ex(lab, "poste", "cupsenable Couloir")
    assert ex(lab, "poste", f"lp {TEST_PAGE}", check=False) != 0  # still "not accepting jobs"
    seen, verdicts = check(lab)
    assert seen["file_active"] == (False, "destination par défaut « Couloir » : refuse les travaux (cupsaccept)")
    assert not seen["page_recue"][0]
    assert verdicts == {
        "TAI.CP4.3": "jury",
        "TAI.CP4.5": "non_acquis",
        "TAI.CP3.1": "non_acquis",
        "TAI.CP4.7": "non_acquis",
        "TAI.CP1.1": "non_acquis",
        "TAI.CP1.2": "jury",
    }


def test_queue_deleted_and_recreated_without_a_driver(started):
    info = started(SCENARIO, seed=5, variant="suspendue")
    lab, ip = info["lab"], info["params"]["imprimante_ip"]
    ex(lab, "poste", "lpstat -p Couloir")
    ex(lab, "poste", "lpstat -v")
    # The user's waiting document is lost with the queue; the new one has no driver (raw).
    ex(lab, "poste", f"lpadmin -x Couloir; lpadmin -p Couloir -E -v ipp://{ip}/ipp/print && lpadmin -d Couloir")
    ex(lab, "poste", f"lp {TEST_PAGE}")
    wait_for(lambda: spool(lab))  # a PDF sent raw still reaches this printer…
    seen, verdicts = check(lab)
    assert not seen["file_active"][0] and "aucun pilote" in seen["file_active"][1]
    assert seen["page_recue"][0]
    assert verdicts == {  # …but the queue is not the documented one
        "TAI.CP4.3": "jury",
        "TAI.CP4.5": "non_acquis",
        "TAI.CP3.1": "non_acquis",
        "TAI.CP4.7": "jury",
        "TAI.CP1.1": "non_acquis",
        "TAI.CP1.2": "jury",  # and her waiting document was lost with the queue
    }


def test_queue_accepting_again_but_nothing_printed_to_check(started):
    lab = started(SCENARIO, seed=5, variant="refuse")["lab"]
    ex(lab, "poste", "lpstat -a Couloir")
    ex(lab, "poste", "lpstat -p Couloir")
    ex(lab, "poste", "cupsaccept Couloir")
    seen, verdicts = check(lab)
    assert seen["file_active"][0]
    assert seen["page_recue"] == (False, "aucun travail reçu par l'imprimante depuis son démarrage")
    assert verdicts == {
        "TAI.CP4.3": "jury",
        "TAI.CP4.5": "non_acquis",
        "TAI.CP3.1": "acquis",
        "TAI.CP4.7": "non_acquis",
        "TAI.CP1.1": "non_acquis",
        "TAI.CP1.2": "jury",
    }


def test_a_page_sent_just_before_the_check_is_judged_once_arrived(started):
    """`lp` or `cupsenable` return before CUPS has converted and sent the page: a check right after
    waits for the page on its way (as a jury would look at the printer's tray), but not for a
    document parked in a stopped queue, which will never come."""
    from simulateur.lab.lab import Lab
    from simulateur.probes.printer import PrinterJobReceived

    lab = started(SCENARIO, seed=5, variant="les_deux")["lab"]
    ex(lab, "poste", "cupsaccept Couloir")
    ex(lab, "poste", f"lp -d Couloir {TEST_PAGE}")  # parked: the queue is still stopped
    opened = Lab.open(lab)
    probe = PrinterJobReceived(id="page", probe="printer.job_received", host="imprimante")
    # nothing is on its way (the queue is stopped): the probe judges at once instead of waiting
    ok, _, arriving = probe.now(opened)
    assert not ok and not arriving and not probe._on_its_way(opened)
    assert not probe.observe(opened)[0]
    assert opened.host("poste").run(["cupsenable", "Couloir"]).returncode == 0
    ok, observed = probe.observe(opened)  # at once: the probe itself waits for the page on its way
    assert ok, observed
