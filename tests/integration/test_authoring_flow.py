"""The trainer's path, end to end, as the README and docs/guide-auteur.md tell it: `new` writes a
scenario into the user folder, `validate` accepts it, `selftest` proves it by its id (the user folder
is searched beside the shipped scenarios), `list` shows it."""

from __future__ import annotations

import os
from pathlib import Path

from labhelpers import sim


def test_new_validate_selftest_list_from_the_user_folder():
    made = sim("new", "essai-formateur", "--hosts", "poste,srv")
    path = Path(os.environ["SIMULATEUR_DATA"]) / "scenarios" / "essai-formateur.yaml"
    assert str(path) in made.out and path.exists()
    assert "valide" in sim("validate", "essai-formateur").out
    run = sim("selftest", "essai-formateur", "--seeds", "1", timeout=300)
    assert "OK    essai-formateur (graine 1" in run.out and "1/1" in run.out, run.out
    listed = sim("list").out
    assert "essai-formateur" in listed and "(vos scénarios)" in listed
